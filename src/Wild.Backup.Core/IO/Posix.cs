using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Wild.Backup.Core.IO;

/// <summary>
/// The Linux system calls the backup's hot paths make directly, for two reasons: .NET's FileStream adds three or four
/// calls to every open (fstat, flock for FileShare, fadvise, a second read at the end) and FileSystemInfo a stat, a
/// readlink and a permission check per directory entry — for a backup of many small files most of the time went there
/// (docs/PERFORMANCE.md); and calls relative to an open directory (<c>openat</c>, <c>statx</c>) spare the kernel a walk
/// of the whole path each time. <see cref="Supported"/> is false elsewhere (other systems, other architectures): callers
/// then use the portable .NET calls. Errors come back as the exceptions .NET's own file calls throw, with the errno as
/// HResult, so one mapping serves both (<see cref="Error"/>).
/// </summary>
internal static partial class Posix
{
    // Before Supported: its probe opens a directory with O_DIRECTORY, which depends on this.
    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64;

    /// <summary>Linux on x64 or arm64: the flag values and struct layouts below hold there.</summary>
    public static readonly bool Supported = OperatingSystem.IsLinux() &&
        RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 && Probe();

    public const int O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    // These two differ between x86 and arm (asm-generic vs arm's own fcntl.h).
    public static int O_DIRECTORY => Arm ? 0x4000 : 0x10000;
    public static int O_NOFOLLOW => Arm ? 0x8000 : 0x20000;

    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000, AT_REMOVEDIR = 0x200;
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EACCES = 13, EEXIST = 17, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, EROFS = 30, ENOSYS = 38, ELOOP = 40, EOPNOTSUPP = 95;

    /// <summary>File types, as in st_mode &amp; S_IFMT.</summary>
    public const int S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000;

    /// <summary>d_type of a directory entry (DT_UNKNOWN: the file system does not say; stat it).</summary>
    public const byte DT_UNKNOWN = 0, DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(int dirfd, string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint read(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint write(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buf);

    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static unsafe partial nint getdents64(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial nint readlinkat(int dirfd, string path, byte* buf, nint size);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat(int dirfd, string path, int mode);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string oldpath, string newpath);

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statvfs(string path, ulong* buf);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int fchmod(int fd, int mode);

    private static bool Probe()
    {
        try
        {
            // Resolves the entry points once; a libc without statx or getdents64 (very old) means the portable path.
            using var fd = Open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, "/");
            Stat(fd, "/");
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>open(2). <paramref name="shown"/> names the file in errors.</summary>
    public static FileDescriptor Open(string path, int flags, int mode, string shown) => OpenAt(AT_FDCWD, path, flags, mode, shown);

    /// <summary>openat(2) relative to an open directory (<see cref="AT_FDCWD"/>: the working directory).</summary>
    public static FileDescriptor OpenAt(int dirfd, string path, int flags, int mode, string shown) =>
        TryOpenAt(dirfd, path, flags, mode, out var errno) ?? throw Error(errno, "open", shown);

    /// <summary>Like <see cref="OpenAt"/>, but returns the errno instead of throwing (callers that expect some failures).</summary>
    public static FileDescriptor? TryOpenAt(int dirfd, string path, int flags, int mode, out int errno)
    {
        while (true)
        {
            var fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
            if (fd >= 0)
            {
                errno = 0;
                return new FileDescriptor(fd);
            }
            errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR) return null;
        }
    }

    /// <summary>read(2): up to <c>buffer.Length</c> bytes; 0 at the end.</summary>
    public static unsafe int Read(FileDescriptor fd, Span<byte> buffer, string shown)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = read(fd.Fd, p, buffer.Length);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR) throw Error(errno, "read", shown);
            }
        }
    }

    /// <summary>write(2) until everything is written.</summary>
    /// <summary>lseek(SEEK_CUR): moves the file offset forward; what is skipped stays a hole (reads as zeros).</summary>
    public static void SkipForward(FileDescriptor fd, long bytes, string shown)
    {
        const int SEEK_CUR = 1;
        if (lseek(fd.Fd, bytes, SEEK_CUR) < 0) throw Error(Marshal.GetLastPInvokeError(), "lseek", shown);
    }

    public static unsafe void Write(FileDescriptor fd, ReadOnlySpan<byte> data, string shown)
    {
        fixed (byte* p = data)
        {
            var done = 0;
            while (done < data.Length)
            {
                var n = write(fd.Fd, p + done, data.Length - done);
                if (n >= 0)
                {
                    done += (int)n;
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR) throw Error(errno, "write", shown);
            }
        }
    }

    /// <summary>Closes a descriptor and reports what close(2) reports: on NFS a write-back error can first show here.</summary>
    public static void Close(FileDescriptor fd, string shown)
    {
        if (fd.IsClosed) return;
        var raw = fd.Fd;
        fd.SetHandleAsInvalid();
        if (close(raw) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR) throw Error(errno, "close", shown); // after EINTR the descriptor is gone on Linux
        }
    }

    /// <summary>fsync(2) of an open file or directory (a directory: its entries — renames, creations — made durable).</summary>
    public static void Fsync(FileDescriptor fd, string shown)
    {
        if (fsync(fd.Fd) != 0) throw Error(Marshal.GetLastPInvokeError(), "sync", shown);
    }

    /// <summary>syncfs(2): everything written to the file system holding the open file made durable.</summary>
    public static void SyncFileSystem(FileDescriptor fd, string shown)
    {
        if (syncfs(fd.Fd) != 0) throw Error(Marshal.GetLastPInvokeError(), "sync the file system of", shown);
    }

    public static void Chmod(FileDescriptor fd, int mode, string shown)
    {
        if (fchmod(fd.Fd, mode) != 0) throw Error(Marshal.GetLastPInvokeError(), "chmod", shown);
    }

    /// <summary>What <c>statx</c> tells of a file: its type and permission bits, size, and modification time.</summary>
    public readonly record struct FileStat(int Mode, long Size, DateTime ModifiedUtc)
    {
        public int Type => Mode & S_IFMT;
        public bool IsRegular => Type == S_IFREG;
        public bool IsDirectory => Type == S_IFDIR;
        public UnixFileMode Permissions => (UnixFileMode)(Mode & 0xFFF);
    }

    /// <summary>fstat of an open file (statx with AT_EMPTY_PATH).</summary>
    public static FileStat Stat(FileDescriptor fd, string shown) => StatAt(fd.Fd, "", AT_EMPTY_PATH, shown) ?? throw Error(ENOENT, "stat", shown);

    /// <summary>lstat relative to a directory; null when nothing is there.</summary>
    public static unsafe FileStat? StatAt(int dirfd, string path, int flags, string shown)
    {
        // struct statx has one layout on every Linux architecture: stx_mode u16 at 28, stx_size u64 at 40,
        // stx_mtime (i64 seconds, u32 nanoseconds) at 112.
        const uint STATX_TYPE = 1, STATX_MODE = 2, STATX_MTIME = 0x40, STATX_SIZE = 0x200;
        var buf = stackalloc byte[256];
        while (statx(dirfd, path, flags, STATX_TYPE | STATX_MODE | STATX_MTIME | STATX_SIZE, buf) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            if (errno is ENOENT or ENOTDIR) return null; // nothing there, or a file where a directory would be
            throw Error(errno, "stat", shown);
        }
        var mode = *(ushort*)(buf + 28);
        var size = *(long*)(buf + 40);
        var seconds = *(long*)(buf + 112);
        var nanos = *(uint*)(buf + 120);
        return new FileStat(mode, size, DateTime.UnixEpoch.AddTicks(seconds * TimeSpan.TicksPerSecond + nanos / 100));
    }

    /// <summary>mkdirat(2); returns the errno (0: made) so callers can tell "exists" and "no parent" apart.</summary>
    public static int MakeDirectoryAt(int dirfd, string path, int mode)
    {
        while (mkdirat(dirfd, path, mode) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR) return errno;
        }
        return 0;
    }

    /// <summary>renameat2(RENAME_NOREPLACE) of two paths; the errno, 0 when renamed.</summary>
    public static int RenameNoReplace(string from, string to)
    {
        const uint RENAME_NOREPLACE = 1;
        return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>link(2): a second name for a file, refused when the name exists; the errno, 0 when linked.</summary>
    public static int Link(string from, string to) => link(from, to) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>unlink(2) of a path; the errno, 0 when removed.</summary>
    public static int Unlink(string path) => unlinkat(AT_FDCWD, path, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>Total and available bytes of the file system holding <paramref name="path"/> (statvfs); false when it
    /// cannot be asked. struct statvfs on 64-bit Linux: unsigned longs f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, ….</summary>
    public static unsafe bool TryStatFileSystem(string path, out long total, out long free)
    {
        total = free = 0;
        if (IntPtr.Size != 8) return false;
        var buf = stackalloc ulong[16];
        if (statvfs(path, buf) != 0) return false;
        var frsize = buf[1] != 0 ? buf[1] : buf[0];
        total = (long)(buf[2] * frsize);
        free = (long)(buf[4] * frsize);
        return true;
    }

    /// <summary>Removes a directory and everything below it, relative to <paramref name="dirfd"/>, without following
    /// links; false when it was not there. Something that is not a directory at <paramref name="name"/> is refused.</summary>
    public static bool RemoveTree(int dirfd, string name, string shown)
    {
        var dir = TryOpenAt(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, out var errno);
        if (dir is null)
        {
            if (errno is ENOENT) return false;
            throw Error(errno is ELOOP ? ENOTDIR : errno, "remove", shown);
        }
        using (dir)
        {
            foreach (var e in ReadDirectory(dir, shown))
            {
                var child = System.IO.Path.Combine(shown, e.Name);
                var isDir = e.Type == DT_DIR || (e.Type == DT_UNKNOWN && StatAt(dir.Fd, e.Name, AT_SYMLINK_NOFOLLOW, child) is { IsDirectory: true });
                if (isDir) RemoveTree(dir.Fd, e.Name, child);
                else Unlink(dir.Fd, e.Name, 0, child);
            }
        }
        Unlink(dirfd, name, AT_REMOVEDIR, shown);
        return true;
    }

    private static void Unlink(int dirfd, string name, int flags, string shown)
    {
        while (unlinkat(dirfd, name, flags) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            if (errno == ENOENT) return; // removed meanwhile: the goal
            throw Error(errno, "remove", shown);
        }
    }

    /// <summary>readlinkat(2): the target of a symbolic link.</summary>
    public static unsafe string ReadLinkAt(int dirfd, string path, string shown)
    {
        var size = 256;
        while (true)
        {
            var buf = new byte[size];
            nint n;
            fixed (byte* p = buf) n = readlinkat(dirfd, path, p, size);
            if (n < 0) throw Error(Marshal.GetLastPInvokeError(), "readlink", shown);
            if (n < size) return System.Text.Encoding.UTF8.GetString(buf, 0, (int)n);
            size *= 4;
        }
    }

    /// <summary>One entry of a directory listing, with the type the file system reports (may be <see cref="DT_UNKNOWN"/>).</summary>
    public readonly record struct DirEntry(string Name, byte Type);

    /// <summary>Every entry of an open directory except "." and "..", in the order the file system returns them.</summary>
    public static unsafe List<DirEntry> ReadDirectory(FileDescriptor dir, string shown)
    {
        var entries = new List<DirEntry>();
        var buf = stackalloc byte[8192];
        while (true)
        {
            var n = getdents64(dir.Fd, buf, 8192);
            if (n == 0) return entries;
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                throw Error(errno, "list", shown);
            }
            // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; } — one layout everywhere.
            for (nint at = 0; at < n;)
            {
                var rec = buf + at;
                var reclen = *(ushort*)(rec + 16);
                var type = rec[18];
                var name = Marshal.PtrToStringUTF8((IntPtr)(rec + 19))!;
                if (name is not ("." or "..")) entries.Add(new DirEntry(name, type));
                at += reclen;
            }
        }
    }

    /// <summary>The exception .NET's own file calls throw for <paramref name="errno"/> (HResult = errno), naming the file.</summary>
    public static Exception Error(int errno, string operation, string shown) => ErrorFor(errno, $"{operation} '{shown}'");

    /// <summary>As <see cref="Error"/>, for what "cannot …" describes in full (a rename names both paths).</summary>
    public static Exception ErrorFor(int errno, string what)
    {
        var message = $"cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)}";
        return errno switch
        {
            EACCES or EPERM or EROFS => new UnauthorizedAccessException(message) { HResult = errno },
            ENOENT => new FileNotFoundException(message) { HResult = errno },
            ENOTDIR => new DirectoryNotFoundException(message) { HResult = errno },
            _ => new IOException(message, errno),
        };
    }
}

/// <summary>An open file descriptor, closed once.</summary>
internal sealed class FileDescriptor : SafeHandleMinusOneIsInvalid
{
    internal FileDescriptor(int fd) : base(ownsHandle: true) => SetHandle(fd);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Posix.close((int)handle) == 0;
}
