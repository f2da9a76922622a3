// The tests use Linux facilities (tmpfs, NFS-Ganesha); CI runs them on Debian.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
