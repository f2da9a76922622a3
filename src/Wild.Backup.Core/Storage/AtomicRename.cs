using System.Runtime.InteropServices;

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

    private const int AT_FDCWD = -100;
    private const uint RENAME_NOREPLACE = 1;
    private const int ENOENT = 2, EPERM = 1, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EINVAL = 22, ENOSYS = 38, EOPNOTSUPP = 95, EROFS = 30;

    [DllImport("libc", SetLastError = true, EntryPoint = "renameat2")]
    private static extern int renameat2(int olddirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, int newdirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath, uint flags);

    [DllImport("libc", SetLastError = true, EntryPoint = "link")]
    private static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath);

    [DllImport("libc", SetLastError = true, EntryPoint = "unlink")]
    private static extern int unlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    /// <summary>Moves <paramref name="from"/> (file or directory) to <paramref name="to"/> unless something is there.
    /// <paramref name="isDirectory"/> is asked only when renameat2 cannot be used.</summary>
    public static Outcome NoReplace(string from, string to, Func<bool> isDirectory)
    {
        if (!OperatingSystem.IsLinux()) return Outcome.NotSupported;
        int result;
        try
        {
            result = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return Outcome.NotSupported;
        }
        if (result == 0) return Outcome.Renamed;
        var errno = Marshal.GetLastPInvokeError();
        switch (errno)
        {
            case EEXIST:
                return Outcome.TargetExists;
            case ENOENT or ENOTDIR:
                return Outcome.Missing;
            case EINVAL or ENOSYS or EOPNOTSUPP:
                // The file system cannot do RENAME_NOREPLACE (NFS, some FUSE). A file can still be moved atomically.
                return isDirectory() ? Outcome.NotSupported : LinkThenUnlink(from, to);
            default:
                throw Error(errno, from, to);
        }
    }

    /// <summary>A file moved by a hard link to the new name (refused if the name exists) and removal of the old one.</summary>
    internal static Outcome LinkThenUnlink(string from, string to)
    {
        if (link(from, to) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                EEXIST => Outcome.TargetExists,
                ENOENT or ENOTDIR => Outcome.Missing,
                EPERM or EOPNOTSUPP or ENOSYS => Outcome.NotSupported, // no hard links on this file system
                _ => throw Error(errno, from, to),
            };
        }
        if (unlink(from) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != ENOENT) throw Error(errno, from, to);
        }
        return Outcome.Renamed;
    }

    private static Exception Error(int errno, string from, string to)
    {
        var message = $"cannot rename {from} to {to}: {Marshal.GetPInvokeErrorMessage(errno)}";
        // The same exception types File.Move throws, so the store maps them the same way (permission → unreachable,
        // ENOSPC → no space).
        return errno is EACCES or EPERM or EROFS ? new UnauthorizedAccessException(message) : new IOException(message, errno);
    }
}
