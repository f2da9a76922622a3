// The tests use Linux facilities (tmpfs, statx, NFS-Ganesha); CI runs them on Debian.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
