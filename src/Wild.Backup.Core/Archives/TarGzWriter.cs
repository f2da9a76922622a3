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
        await WriteTreeAsync(tar, sourceDir, skipped, sourceBytes, ct).ConfigureAwait(false);
    }

    /// <summary>Total bytes of regular files below a directory (what an archive of it holds at most, uncompressed).</summary>
    public static long MeasureDirectory(string dir)
    {
        if (!Directory.Exists(dir)) return 0;
        long total = 0;
        foreach (var e in SourceTree.Walk(dir, openFiles: false))
        {
            if (e.Kind == SourceKind.File) total += e.Size + 1024; // plus a header block and padding, roughly
        }
        return total;
    }

    private static async Task WriteTreeAsync(TarWriter tar, string sourceDir, Action<string>? skipped, Action<long>? sourceBytes, CancellationToken ct)
    {
        foreach (var e in SourceTree.Walk(sourceDir, openFiles: true))
        {
            await using var data = e.Data;
            ct.ThrowIfCancellationRequested();
            GnuTarEntry entry;
            switch (e.Kind)
            {
                case SourceKind.SymbolicLink:
                    entry = new GnuTarEntry(TarEntryType.SymbolicLink, e.Path) { LinkName = e.LinkTarget! };
                    break;
                case SourceKind.Directory:
                    entry = new GnuTarEntry(TarEntryType.Directory, e.Path + "/");
                    break;
                case SourceKind.File:
                    entry = new GnuTarEntry(TarEntryType.RegularFile, e.Path) { DataStream = sourceBytes is null ? data : new ProgressReadStream(data!, sourceBytes) };
                    break;
                default:
                    skipped?.Invoke(e.Path);
                    continue;
            }
            entry.ModificationTime = e.ModifiedUtc;
            if (!OperatingSystem.IsWindows()) entry.Mode = e.Mode;
            await tar.WriteEntryAsync(entry, ct).ConfigureAwait(false);
            if (e.Kind == SourceKind.File) sourceBytes?.Invoke(1024);
        }
    }
}
