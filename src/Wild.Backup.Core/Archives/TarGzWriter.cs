using System.Formats.Tar;
using System.IO.Compression;

namespace Wild.Backup.Core.Archives;

/// <summary>Writes a directory tree as a gzip-compressed tar stream (entries relative to the directory, sorted).</summary>
public static class TarGzWriter
{
    /// <summary>
    /// Archives every directory, regular file and symbolic link below <paramref name="sourceDir"/> into
    /// <paramref name="output"/> (left open). Other file types (sockets, fifos, devices) are skipped and reported
    /// through <paramref name="skipped"/>. Modes and modification times are kept.
    /// </summary>
    /// <param name="sourceBytes">Called with the number of source bytes archived, as they are read.</param>
    public static async Task WriteDirectoryAsync(string sourceDir, Stream output, Action<string>? skipped, Action<long>? sourceBytes, CancellationToken ct)
    {
        await using var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        // GNU format: long names without a PAX header per entry; mtimes in whole seconds are enough for config trees.
        await using var tar = new TarWriter(gz, TarEntryFormat.Gnu, leaveOpen: true);
        await WriteTreeAsync(tar, new DirectoryInfo(sourceDir), "", skipped, sourceBytes, ct).ConfigureAwait(false);
    }

    /// <summary>Total bytes of regular files below a directory (what an archive of it holds at most, uncompressed).</summary>
    public static long MeasureDirectory(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        long total = 0;
        foreach (var f in new DirectoryInfo(dir).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            total += f.Length + 1024; // plus a header block and padding, roughly
        }
        return total;
    }

    private static async Task WriteTreeAsync(TarWriter tar, DirectoryInfo dir, string prefix, Action<string>? skipped, Action<long>? sourceBytes, CancellationToken ct)
    {
        var children = dir.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        foreach (var info in children)
        {
            ct.ThrowIfCancellationRequested();
            var name = prefix + info.Name;
            if (info.LinkTarget is { } target)
            {
                var link = new GnuTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };
                SetMetadata(link, info);
                await tar.WriteEntryAsync(link, ct).ConfigureAwait(false);
            }
            else if (info is DirectoryInfo sub)
            {
                var entry = new GnuTarEntry(TarEntryType.Directory, name + "/");
                SetMetadata(entry, info);
                await tar.WriteEntryAsync(entry, ct).ConfigureAwait(false);
                await WriteTreeAsync(tar, sub, name + "/", skipped, sourceBytes, ct).ConfigureAwait(false);
            }
            else if (info is FileInfo file && IsRegularFile(file))
            {
                var entry = new GnuTarEntry(TarEntryType.RegularFile, name);
                SetMetadata(entry, info);
                var raw = Storage.LocalFileStream.OpenRead(file.FullName);
                await using var data = sourceBytes is null ? raw : new ProgressReadStream(raw, sourceBytes);
                entry.DataStream = data;
                await tar.WriteEntryAsync(entry, ct).ConfigureAwait(false);
                sourceBytes?.Invoke(1024);
            }
            else
            {
                skipped?.Invoke(name);
            }
        }
    }

    private static bool IsRegularFile(FileInfo file) =>
        (file.Attributes & FileAttributes.Device) == 0 && UnixFileType.IsRegular(file.FullName);

    private static void SetMetadata(TarEntry entry, FileSystemInfo info)
    {
        entry.ModificationTime = info.LastWriteTimeUtc;
        if (!OperatingSystem.IsWindows()) entry.Mode = info.UnixFileMode;
    }
}

/// <summary>Tells regular files from fifos, sockets and devices without opening them (opening a fifo blocks).</summary>
internal static class UnixFileType
{
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int statx(int dirfd, [System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buf);

    private const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 1;
    private const int S_IFMT = 0xF000, S_IFREG = 0x8000;

    /// <summary>True for a regular file. struct statx has the same layout on every Linux architecture: stx_mode is the
    /// u16 at offset 28. Where statx is unavailable, anything .NET calls a file counts as regular.</summary>
    public static bool IsRegular(string path)
    {
        if (!OperatingSystem.IsLinux()) return true;
        var buf = new byte[256];
        try
        {
            if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, buf) != 0) return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return true;
        }
        var mode = BitConverter.ToUInt16(buf, 28);
        return (mode & S_IFMT) == S_IFREG;
    }
}
