using Wild.Backup.Core.Errors;
using Wild.Backup.Core.IO;

namespace Wild.Backup.Core.Storage;

/// <summary>
/// A store rooted at a local directory: any directory, or an NFS share mounted there.
/// The root must already exist; a missing root is "unreachable" (an unmounted share looks like that), never
/// created on the fly, so backups cannot silently land on the local disk under an empty mount point.
/// </summary>
public sealed class LocalDirectoryStore : IBackupStore
{
    private readonly string _root;
    private readonly object _pendingLock = new();
    private readonly HashSet<string> _pendingSync = new(StringComparer.Ordinal);

    public LocalDirectoryStore(string root) : this(root, Posix.Supported)
    {
    }

    /// <param name="systemCalls">Use the Linux calls (<see cref="Posix"/>) where they apply; false: only portable .NET
    /// calls, as on other systems (the conformance suite runs both).</param>
    internal LocalDirectoryStore(string root, bool systemCalls)
    {
        if (string.IsNullOrWhiteSpace(root)) throw new InvalidInputException("InvalidDestination", "The backup destination path is empty.");
        _root = Path.GetFullPath(root);
        _posix = systemCalls && Posix.Supported;
    }

    private readonly bool _posix;

    public string Location => _root;

    public Task ProbeAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        EnsureRoot();
        try
        {
            using var e = Directory.EnumerateFileSystemEntries(_root).GetEnumerator();
            e.MoveNext();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnreachableException($"cannot list {_root}: {ex.Message}", ex);
        }
        return Task.CompletedTask;
    }

    public Task<StoreEntry?> StatAsync(string path, CancellationToken ct) => Run(path, full =>
    {
        if (_posix)
        {
            if (Posix.StatAt(Posix.AT_FDCWD, full, 0, full) is { } st) return ToEntry(path, st);
            EnsureRoot();
            return null;
        }
        var info = new FileInfo(full);
        if (info.Exists) return ToEntry(path, info);
        var dir = new DirectoryInfo(full);
        if (dir.Exists) return ToEntry(path, dir);
        EnsureRoot();
        return (StoreEntry?)null;
    }, ct);

    public Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) => Run(directory, full =>
    {
        if (_posix) return ListUnix(directory, full);
        var dir = new DirectoryInfo(full);
        if (!dir.Exists)
        {
            EnsureRoot();
            throw NotFound(directory);
        }
        var prefix = StorePath.Normalize(directory);
        var list = new List<StoreEntry>();
        foreach (var info in dir.EnumerateFileSystemInfos())
        {
            var rel = prefix.Length == 0 ? info.Name : prefix + "/" + info.Name;
            list.Add(ToEntry(rel, info));
        }
        return (IReadOnlyList<StoreEntry>)list;
    }, ct);

    public Task CreateDirectoryAsync(string path, CancellationToken ct) => Run(path, full =>
    {
        // One mkdir when the parent exists (the common case); otherwise the checks and parents below.
        if (_posix && Posix.MakeDirectoryAt(Posix.AT_FDCWD, full, 0x1FF) == 0)
        {
            MarkPending(Path.GetDirectoryName(full)!);
            return true;
        }
        EnsureRoot();
        if (File.Exists(full)) throw new ConflictException("PathIsFile", $"Cannot create directory '{StorePath.Normalize(path)}' in backup storage: a file is in the way.");
        Directory.CreateDirectory(full);
        MarkPending(Path.GetDirectoryName(full)!);
        return true;
    }, ct);

    public Task<Stream> OpenReadAsync(string path, CancellationToken ct) => Run(path, full =>
    {
        if (_posix)
        {
            var fd = Posix.TryOpenAt(Posix.AT_FDCWD, full, Posix.O_RDONLY, 0, out var errno);
            if (fd is null)
            {
                if (errno is not (Posix.ENOENT or Posix.ENOTDIR)) throw Posix.Error(errno, "open", full);
                EnsureRoot();
                throw NotFound(path);
            }
            return (Stream)new LocalFileStream(UnixFileStream.ForReading(fd, full), MapIoError);
        }
        try
        {
            Stream s = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            return (Stream)new LocalFileStream(s, MapIoError);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            EnsureRoot();
            throw NotFound(path);
        }
    }, ct);

    public Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct) => Run(path, full =>
    {
        var parent = Path.GetDirectoryName(full)!;
        if (_posix) return CreateFileUnix(path, full, parent, options);
        if (!Directory.Exists(parent))
        {
            EnsureRoot();
            throw NotFound(StorePath.GetParent(StorePath.Normalize(path)) ?? "");
        }
        if (Directory.Exists(full)) throw PathIsDirectory(path);
        var fso = new FileStreamOptions
        {
            Mode = options.Exclusive ? FileMode.CreateNew : FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows()) fso.UnixCreateMode = options.Mode ?? DefaultMode;
        FileStream fs;
        try
        {
            fs = new FileStream(full, fso);
        }
        catch (IOException ex) when (options.Exclusive && File.Exists(full))
        {
            throw new ConflictException("AlreadyExists", $"'{StorePath.Normalize(path)}' already exists in backup storage.", ex.Message, ex);
        }
        if (!OperatingSystem.IsWindows() && options.Mode is { } mode && !options.Exclusive)
        {
            File.SetUnixFileMode(fs.SafeFileHandle, mode); // an existing file keeps its old mode otherwise
        }
        MarkPending(full);
        MarkPending(parent);
        return (Stream)new LocalFileStream(fs, MapIoError);
    }, ct);

    /// <summary>One open(2): what exists in the way is found out only when the create fails.</summary>
    private Stream CreateFileUnix(string path, string full, string parent, CreateOptions options)
    {
        var flags = Posix.O_WRONLY | Posix.O_CREAT | (options.Exclusive ? Posix.O_EXCL : Posix.O_TRUNC);
        var fd = Posix.TryOpenAt(Posix.AT_FDCWD, full, flags, (int)(options.Mode ?? DefaultMode), out var errno);
        if (fd is null)
        {
            switch (errno)
            {
                case Posix.ENOENT or Posix.ENOTDIR:
                    EnsureRoot();
                    throw NotFound(StorePath.GetParent(StorePath.Normalize(path)) ?? "");
                case Posix.EISDIR:
                case Posix.EEXIST when Directory.Exists(full):
                    throw PathIsDirectory(path);
                case Posix.EEXIST:
                    throw Conflict(path);
                default:
                    throw Posix.Error(errno, "create", full);
            }
        }
        try
        {
            if (options.Mode is { } mode && !options.Exclusive) Posix.Chmod(fd, (int)mode, full); // an existing file keeps its old mode otherwise
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        MarkPending(full);
        MarkPending(parent);
        return new LocalFileStream(UnixFileStream.ForWriting(fd, full), MapIoError);
    }

    public Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct)
    {
        var fullTo = Full(to);
        return Run(from, fullFrom =>
        {
            if (!overwrite && RenameNoReplace(from, to, fullFrom, fullTo)) return true;
            if (File.Exists(fullFrom))
            {
                if (Directory.Exists(fullTo)) throw Conflict(to);
                try
                {
                    File.Move(fullFrom, fullTo, overwrite);
                }
                catch (IOException ex) when (!overwrite && File.Exists(fullTo) && ex is not FileNotFoundException and not DirectoryNotFoundException)
                {
                    throw Conflict(to);
                }
            }
            else if (Directory.Exists(fullFrom))
            {
                if (Directory.Exists(fullTo) || File.Exists(fullTo)) throw Conflict(to);
                Directory.Move(fullFrom, fullTo);
            }
            else
            {
                EnsureRoot();
                throw NotFound(from);
            }
            MarkPending(Path.GetDirectoryName(fullFrom)!);
            MarkPending(Path.GetDirectoryName(fullTo)!);
            return true;
        }, ct);
    }

    /// <summary>The atomic no-replace rename (<see cref="AtomicRename"/>); false when only the portable path can do it here.</summary>
    private bool RenameNoReplace(string from, string to, string fullFrom, string fullTo)
    {
        switch (AtomicRename.NoReplace(fullFrom, fullTo, () => Directory.Exists(fullFrom)))
        {
            case AtomicRename.Outcome.Renamed:
                MarkPending(Path.GetDirectoryName(fullFrom)!);
                MarkPending(Path.GetDirectoryName(fullTo)!);
                return true;
            case AtomicRename.Outcome.TargetExists:
                throw Conflict(to);
            case AtomicRename.Outcome.Missing:
                EnsureRoot();
                if (!Path.Exists(fullFrom)) throw NotFound(from);
                throw NotFound(StorePath.GetParent(StorePath.Normalize(to)) ?? "");
            default:
                return false;
        }
    }

    public Task DeleteFileAsync(string path, CancellationToken ct) => Run(path, full =>
    {
        if (Directory.Exists(full)) throw new ConflictException("PathIsDirectory", $"'{StorePath.Normalize(path)}' in backup storage is a directory, not a file.");
        if (File.Exists(full))
        {
            File.Delete(full);
            MarkPending(Path.GetDirectoryName(full)!);
        }
        else
        {
            EnsureRoot();
        }
        return true;
    }, ct);

    public Task DeleteDirectoryAsync(string path, CancellationToken ct) => Run(path, full =>
    {
        if (StorePath.Normalize(path).Length == 0) throw new InvalidInputException("InvalidStorePath", "Refusing to delete the root of backup storage.");
        if (_posix)
        {
            bool removed;
            try
            {
                removed = Posix.RemoveTree(Posix.AT_FDCWD, full, full);
            }
            catch (DirectoryNotFoundException) when (Posix.StatAt(Posix.AT_FDCWD, full, Posix.AT_SYMLINK_NOFOLLOW, full) is not null)
            {
                throw NotADirectory(path); // a file or a link: neither is removed as a directory (a link is never followed)
            }
            if (removed) MarkPending(Path.GetDirectoryName(full)!);
            else EnsureRoot();
            return true;
        }
        if (File.Exists(full)) throw NotADirectory(path);
        if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
            MarkPending(Path.GetDirectoryName(full)!);
        }
        else
        {
            EnsureRoot();
        }
        return true;
    }, ct);

    public Task<StoreSpace> GetSpaceAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        EnsureRoot();
        try
        {
            return Task.FromResult(FileSystemSpace.Get(_root));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnreachableException($"cannot read free space of {_root}: {ex.Message}", ex);
        }
    }

    public Task FlushAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        string[] pending;
        lock (_pendingLock)
        {
            pending = _pendingSync.ToArray();
            _pendingSync.Clear();
        }
        if (pending.Length == 0) return Task.CompletedTask;
        EnsureRoot();
        try
        {
            // One syncfs() covers every file and directory entry written below the root (Linux); elsewhere fsync each.
            if (!FileSystemSync.SyncFileSystem(_root))
            {
                foreach (var p in pending) FileSystemSync.FsyncPath(p);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw MapIoError(ex);
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // Unix default for backup files that are not secret.
    private const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private string Full(string path)
    {
        var rel = StorePath.Normalize(path);
        return rel.Length == 0 ? _root : Path.Combine(_root, rel);
    }

    private void MarkPending(string fullPath)
    {
        lock (_pendingLock) _pendingSync.Add(fullPath);
    }

    private void EnsureRoot()
    {
        if (!Directory.Exists(_root)) throw new StorageUnreachableException($"{_root} does not exist or is not a directory (share not mounted?)");
    }

    private Task<T> Run<T>(string path, Func<string, T> op, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var full = Full(path);
        try
        {
            return Task.FromResult(op(full));
        }
        catch (WildBackupException)
        {
            throw;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StorageUnreachableException($"permission denied on {StorePath.Normalize(path)} under {_root}", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            EnsureRoot();
            throw new NotFoundException("StorePathNotFound", $"'{StorePath.Normalize(path)}' does not exist in backup storage.", ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw MapIoError(ex);
        }
    }

    private Exception MapIoError(Exception ex)
    {
        if (ex is WildBackupException or OperationCanceledException) return ex;
        if (ex is IOException io && IoErrors.IsDiskFull(io)) return new NoSpaceException(0, $"{_root}: {io.Message}", io);
        if (ex is UnauthorizedAccessException) return new StorageUnreachableException($"permission denied under {_root}", ex);
        if (ex is IOException && !Directory.Exists(_root)) return new StorageUnreachableException($"{_root} disappeared: {ex.Message}", ex);
        return ex;
    }

    private static NotFoundException NotFound(string path) =>
        new("StorePathNotFound", $"'{StorePath.Normalize(path)}' does not exist in backup storage.") { Target = StorePath.Normalize(path) };

    private static ConflictException PathIsDirectory(string path) =>
        new("PathIsDirectory", $"Cannot create file '{StorePath.Normalize(path)}' in backup storage: a directory is in the way.");

    private static ConflictException NotADirectory(string path) =>
        new("PathIsFile", $"'{StorePath.Normalize(path)}' in backup storage is a file, not a directory.");

    private static ConflictException Conflict(string path) =>
        new("AlreadyExists", $"'{StorePath.Normalize(path)}' already exists in backup storage.") { Target = StorePath.Normalize(path) };

    private static StoreEntry ToEntry(string rel, Posix.FileStat st) =>
        new(StorePath.Normalize(rel), st.IsDirectory, st.IsDirectory ? 0 : st.Size, new DateTimeOffset(st.ModifiedUtc, TimeSpan.Zero)) { Mode = st.Permissions };

    /// <summary>The directory opened once; each entry stat'ed relative to it.</summary>
    private IReadOnlyList<StoreEntry> ListUnix(string directory, string full)
    {
        var fd = Posix.TryOpenAt(Posix.AT_FDCWD, full, Posix.O_RDONLY | Posix.O_DIRECTORY, 0, out var errno);
        if (fd is null)
        {
            if (errno is not (Posix.ENOENT or Posix.ENOTDIR)) throw Posix.Error(errno, "list", full);
            EnsureRoot();
            throw NotFound(directory);
        }
        using (fd)
        {
            var prefix = StorePath.Normalize(directory);
            var list = new List<StoreEntry>();
            foreach (var e in Posix.ReadDirectory(fd, full))
            {
                // Gone since it was listed: not there.
                if (Posix.StatAt(fd.Fd, e.Name, 0, Path.Combine(full, e.Name)) is { } st) list.Add(ToEntry(prefix.Length == 0 ? e.Name : prefix + "/" + e.Name, st));
            }
            return list;
        }
    }

    private static StoreEntry ToEntry(string rel, FileSystemInfo info)
    {
        var isDir = info is DirectoryInfo;
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : info.UnixFileMode;
        return new StoreEntry(StorePath.Normalize(rel), isDir, isDir ? 0 : ((FileInfo)info).Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)) { Mode = mode };
    }
}

/// <summary>Recognises "disk full" across platforms.</summary>
public static class IoErrors
{
    private const int ENOSPC = 28, EDQUOT = 122, ERROR_DISK_FULL = 112, ERROR_HANDLE_DISK_FULL = 39;

    public static bool IsDiskFull(IOException ex)
    {
        var code = ex.HResult & 0xFFFF;
        return code is ENOSPC or EDQUOT or ERROR_DISK_FULL or ERROR_HANDLE_DISK_FULL
            || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
            || ex.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>Free and total space of the file system holding a path (statvfs on Unix).</summary>
internal static class FileSystemSpace
{
    public static StoreSpace Get(string path)
    {
        if (!OperatingSystem.IsWindows() && Statvfs.TryGet(path, out var total, out var free)) return new StoreSpace(total, free);
        var drive = new DriveInfo(path);
        return new StoreSpace(drive.TotalSize, drive.AvailableFreeSpace);
    }

    /// <summary>statvfs where it is available (Linux; other systems use DriveInfo).</summary>
    private static class Statvfs
    {
        public static bool TryGet(string path, out long total, out long free)
        {
            total = free = 0;
            if (!OperatingSystem.IsLinux()) return false;
            try
            {
                return Posix.TryStatFileSystem(path, out total, out free);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return false;
            }
        }
    }
}

/// <summary>Makes writes durable: syncfs() on Linux, fsync per path elsewhere.</summary>
internal static class FileSystemSync
{
    /// <summary>Syncs the whole file system holding <paramref name="dir"/>; false when this platform cannot.</summary>
    public static bool SyncFileSystem(string dir)
    {
        if (!Posix.Supported) return false;
        using var fd = Posix.Open(dir, Posix.O_RDONLY | Posix.O_DIRECTORY, 0, dir);
        Posix.SyncFileSystem(fd, dir);
        return true;
    }

    public static void FsyncPath(string path)
    {
        if (File.Exists(path))
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            fs.Flush(flushToDisk: true);
        }
        // Directory entries cannot be fsynced portably from .NET; on Linux syncfs covers them.
    }
}
