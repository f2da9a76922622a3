using Wild.Backup.Core.IO;

namespace Wild.Backup.Core.Archives;

/// <summary>What an entry of a source tree is. <see cref="Other"/>: a fifo, socket or device — never opened, never archived.</summary>
internal enum SourceKind { File, Directory, SymbolicLink, Other }

/// <summary>One entry below a source directory: '/'-separated path relative to it, type, permission bits, modification
/// time, size (files), link target (links), and — when the walk opens files — its content, which the caller disposes.</summary>
internal sealed record SourceEntry(string Path, SourceKind Kind, UnixFileMode Mode, DateTime ModifiedUtc, long Size, string? LinkTarget)
{
    public Stream? Data { get; init; }
}

/// <summary>
/// Walks a directory tree depth-first, each directory's entries in ordinal name order, the directory before its
/// contents. On Linux through <see cref="Posix"/> relative to open directories: a regular file costs an open, a stat
/// of the open file, its reads and a close, like tar; elsewhere through FileSystemInfo. Both walks give the same
/// entries (tests/Unit/.../Archives/SourceTreeTests.cs). Links are reported, never followed.
/// </summary>
internal static class SourceTree
{
    /// <param name="openFiles">Open every regular file and hand its content over in <see cref="SourceEntry.Data"/>
    /// (the type is then checked on the open file, so a file swapped for a fifo mid-walk is never read).</param>
    public static IEnumerable<SourceEntry> Walk(string root, bool openFiles) =>
        Posix.Supported ? WalkUnix(root, openFiles) : WalkPortable(root, openFiles);

    internal static IEnumerable<SourceEntry> WalkUnix(string root, bool openFiles)
    {
        using var dir = Posix.Open(root, Posix.O_RDONLY | Posix.O_DIRECTORY, 0, root);
        foreach (var e in WalkUnix(dir, root, "", openFiles)) yield return e;
    }

    private static IEnumerable<SourceEntry> WalkUnix(FileDescriptor dir, string shownDir, string prefix, bool openFiles)
    {
        var children = Posix.ReadDirectory(dir, shownDir);
        children.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var child in children)
        {
            var path = prefix + child.Name;
            var shown = System.IO.Path.Combine(shownDir, child.Name);
            var type = child.Type;
            Posix.FileStat? stat = null;
            if (type == Posix.DT_UNKNOWN)
            {
                // The file system does not give types in listings: ask it.
                stat = Posix.StatAt(dir.Fd, child.Name, Posix.AT_SYMLINK_NOFOLLOW, shown);
                if (stat is null) continue; // gone since it was listed
                type = stat.Value.Type switch { Posix.S_IFREG => Posix.DT_REG, Posix.S_IFDIR => Posix.DT_DIR, Posix.S_IFLNK => Posix.DT_LNK, _ => (byte)255 };
            }
            switch (type)
            {
                case Posix.DT_REG when openFiles:
                {
                    var fd = Posix.OpenAt(dir.Fd, child.Name, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NONBLOCK, 0, shown);
                    Posix.FileStat st;
                    try
                    {
                        st = Posix.Stat(fd, shown);
                    }
                    catch
                    {
                        fd.Dispose(); // not left to the finalizer
                        throw;
                    }
                    if (!st.IsRegular)
                    {
                        fd.Dispose();
                        yield return new SourceEntry(path, SourceKind.Other, st.Permissions, st.ModifiedUtc, 0, null);
                        break;
                    }
                    yield return new SourceEntry(path, SourceKind.File, st.Permissions, st.ModifiedUtc, st.Size, null) { Data = UnixFileStream.ForReading(fd, shown, st.Size) };
                    break;
                }
                case Posix.DT_REG:
                {
                    if ((stat ??= Posix.StatAt(dir.Fd, child.Name, Posix.AT_SYMLINK_NOFOLLOW, shown)) is not { } st) break;
                    yield return new SourceEntry(path, st.IsRegular ? SourceKind.File : SourceKind.Other, st.Permissions, st.ModifiedUtc, st.IsRegular ? st.Size : 0, null);
                    break;
                }
                case Posix.DT_LNK:
                {
                    if ((stat ??= Posix.StatAt(dir.Fd, child.Name, Posix.AT_SYMLINK_NOFOLLOW, shown)) is not { } st) break;
                    yield return new SourceEntry(path, SourceKind.SymbolicLink, st.Permissions, st.ModifiedUtc, 0, Posix.ReadLinkAt(dir.Fd, child.Name, shown));
                    break;
                }
                case Posix.DT_DIR:
                {
                    using var sub = Posix.OpenAt(dir.Fd, child.Name, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW, 0, shown);
                    var st = Posix.Stat(sub, shown);
                    yield return new SourceEntry(path, SourceKind.Directory, st.Permissions, st.ModifiedUtc, 0, null);
                    foreach (var e in WalkUnix(sub, shown, path + "/", openFiles)) yield return e;
                    break;
                }
                default:
                    yield return new SourceEntry(path, SourceKind.Other, 0, default, 0, null);
                    break;
            }
        }
    }

    /// <summary>Tells regular files from fifos, sockets and devices without opening them (opening a fifo blocks); where
    /// the type cannot be asked, anything .NET calls a file counts as regular.</summary>
    private static bool IsRegular(FileInfo file) =>
        (file.Attributes & FileAttributes.Device) == 0 &&
        (!Posix.Supported || Posix.StatAt(Posix.AT_FDCWD, file.FullName, Posix.AT_SYMLINK_NOFOLLOW, file.FullName) is not { } st || st.IsRegular);

    internal static IEnumerable<SourceEntry> WalkPortable(string root, bool openFiles) => WalkPortable(new DirectoryInfo(root), "", openFiles);

    private static IEnumerable<SourceEntry> WalkPortable(DirectoryInfo dir, string prefix, bool openFiles)
    {
        foreach (var info in dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList())
        {
            var path = prefix + info.Name;
            var mode = OperatingSystem.IsWindows() ? 0 : info.UnixFileMode;
            if ((info.Attributes & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is { } target)
            {
                yield return new SourceEntry(path, SourceKind.SymbolicLink, mode, info.LastWriteTimeUtc, 0, target);
            }
            else if (info is DirectoryInfo sub)
            {
                yield return new SourceEntry(path, SourceKind.Directory, mode, info.LastWriteTimeUtc, 0, null);
                foreach (var e in WalkPortable(sub, path + "/", openFiles)) yield return e;
            }
            else if (info is FileInfo file && IsRegular(file))
            {
                yield return new SourceEntry(path, SourceKind.File, mode, info.LastWriteTimeUtc, file.Length, null)
                {
                    Data = openFiles ? new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0) : null,
                };
            }
            else
            {
                yield return new SourceEntry(path, SourceKind.Other, mode, info.LastWriteTimeUtc, 0, null);
            }
        }
    }
}
