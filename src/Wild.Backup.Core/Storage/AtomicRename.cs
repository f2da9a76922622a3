using Wild.Backup.Core.IO;

namespace Wild.Backup.Core.Storage;

/// <summary>
/// Renames without ever replacing the target, atomically, so that of several contenders for one name exactly one
/// wins (destination locks rest on this). .NET's <c>File.Move(overwrite: false)</c> checks that the target is absent
/// and then calls rename(2), which replaces: two racing contenders can both "win" (measured on Linux: 72 of 2,000
/// four-way races). Linux: renameat2(RENAME_NOREPLACE); where the file system does not support it (an NFS mount),
/// a hard link (which fails if the name exists) and the removal of the old name.
/// </summary>
internal static class AtomicRename
{
    public enum Outcome
    {
        Renamed,
        TargetExists,
        /// <summary>The source, or the target's directory, does not exist.</summary>
        Missing,
        /// <summary>Not possible atomically here (not Linux, or neither renameat2 nor hard links work): use the portable path.</summary>
        NotSupported,
    }

    /// <summary>Moves <paramref name="from"/> (file or directory) to <paramref name="to"/> unless something is there.
    /// <paramref name="isDirectory"/> is asked only when renameat2 cannot be used.</summary>
    public static Outcome NoReplace(string from, string to, Func<bool> isDirectory)
    {
        if (!OperatingSystem.IsLinux()) return Outcome.NotSupported;
        int errno;
        try
        {
            errno = Posix.RenameNoReplace(from, to);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return Outcome.NotSupported;
        }
        switch (errno)
        {
            case 0:
                return Outcome.Renamed;
            case Posix.EEXIST:
                return Outcome.TargetExists;
            case Posix.ENOENT or Posix.ENOTDIR:
                return Outcome.Missing;
            case Posix.EINVAL or Posix.ENOSYS or Posix.EOPNOTSUPP:
                // The file system cannot do RENAME_NOREPLACE (NFS, some FUSE). A file can still be moved atomically.
                return isDirectory() ? Outcome.NotSupported : LinkThenUnlink(from, to);
            default:
                throw Error(errno, from, to);
        }
    }

    /// <summary>A file moved by a hard link to the new name (refused if the name exists) and removal of the old one.</summary>
    internal static Outcome LinkThenUnlink(string from, string to)
    {
        var errno = Posix.Link(from, to);
        if (errno != 0)
        {
            return errno switch
            {
                Posix.EEXIST => Outcome.TargetExists,
                Posix.ENOENT or Posix.ENOTDIR => Outcome.Missing,
                Posix.EPERM or Posix.EOPNOTSUPP or Posix.ENOSYS => Outcome.NotSupported, // no hard links on this file system
                _ => throw Error(errno, from, to),
            };
        }
        errno = Posix.Unlink(from);
        if (errno is not (0 or Posix.ENOENT)) throw Error(errno, from, to);
        return Outcome.Renamed;
    }

    // The same exception types File.Move throws, so the store maps them the same way (permission → unreachable,
    // ENOSPC → no space).
    private static Exception Error(int errno, string from, string to) => Posix.ErrorFor(errno, $"rename {from} to {to}");
}
