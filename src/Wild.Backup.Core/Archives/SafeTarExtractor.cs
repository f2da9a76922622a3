using System.Formats.Tar;
using System.IO.Compression;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Archives;

/// <summary>Bounds on what an archive may unpack to.</summary>
public sealed record ExtractLimits(long MaxEntryBytes, long MaxTotalBytes, int MaxEntries)
{
    /// <summary>Configuration trees: YAML and a few binaries. Generous, but not a disk-filling bomb.</summary>
    public static readonly ExtractLimits Config = new(MaxEntryBytes: 512L << 20, MaxTotalBytes: 2L << 30, MaxEntries: 100_000);
}

/// <summary>
/// Unpacks a tar.gz produced by <see cref="TarGzWriter"/> into a directory, refusing anything that could write
/// outside it or do harm: absolute paths, <c>..</c>, backslashes, links whose targets leave the directory, writing
/// through a symbolic link, devices and fifos, and entries or totals above <see cref="ExtractLimits"/>.
/// The first refused entry stops the extraction with an error naming it; callers extract into a fresh staging
/// directory and discard it on error, so nothing half-restored is ever used.
/// </summary>
public static class SafeTarExtractor
{
    public static async Task<int> ExtractAsync(Stream gzTar, string targetDir, ExtractLimits limits, string archiveLabel, CancellationToken ct)
    {
        var root = Path.GetFullPath(targetDir);
        Directory.CreateDirectory(root);
        var entries = 0;
        long total = 0;
        var dirTimes = new List<(string Path, DateTimeOffset Time)>();
        try
        {
            await using var gz = new GZipStream(gzTar, CompressionMode.Decompress, leaveOpen: true);
            await using var reader = new TarReader(gz, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
            {
                ct.ThrowIfCancellationRequested();
                if (entry.EntryType is TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes) continue;
                if (++entries > limits.MaxEntries) throw Unsafe(archiveLabel, entry.Name, $"more than {limits.MaxEntries} entries");
                var rel = CheckName(entry.Name, archiveLabel);
                if (rel.Length == 0 && entry.EntryType == TarEntryType.Directory) continue;
                var full = Path.Combine(root, rel);
                RefuseWritingThroughLinks(root, rel, archiveLabel, entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(full);
                        SetMode(full, entry.Mode, isDirectory: true);
                        dirTimes.Add((full, entry.ModificationTime));
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    {
                        if (entry.Length > limits.MaxEntryBytes) throw Unsafe(archiveLabel, entry.Name, $"it is {entry.Length} bytes, over the {limits.MaxEntryBytes}-byte limit");
                        total += entry.Length;
                        if (total > limits.MaxTotalBytes) throw Unsafe(archiveLabel, entry.Name, $"the archive unpacks to more than {limits.MaxTotalBytes} bytes");
                        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                        if (File.Exists(full) || Directory.Exists(full)) throw Unsafe(archiveLabel, entry.Name, "it appears twice");
                        await using (var fs = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                        {
                            if (entry.DataStream is { } data) await CopyBoundedAsync(data, fs, entry.Length, archiveLabel, entry.Name, ct).ConfigureAwait(false);
                        }
                        SetMode(full, entry.Mode, isDirectory: false);
                        File.SetLastWriteTimeUtc(full, entry.ModificationTime.UtcDateTime);
                        break;
                    }
                    case TarEntryType.SymbolicLink:
                    {
                        var target = entry.LinkName;
                        if (string.IsNullOrEmpty(target) || Path.IsPathRooted(target) || target.Contains('\\') || !StaysInside(root, Path.GetDirectoryName(rel) ?? "", target))
                            throw Unsafe(archiveLabel, entry.Name, "it is a link leading outside the restored directory");
                        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                        if (File.Exists(full) || Directory.Exists(full)) throw Unsafe(archiveLabel, entry.Name, "it appears twice");
                        File.CreateSymbolicLink(full, target);
                        break;
                    }
                    case TarEntryType.HardLink:
                    {
                        var linkRel = CheckName(entry.LinkName, archiveLabel);
                        var source = Path.Combine(root, linkRel);
                        RefuseWritingThroughLinks(root, linkRel, archiveLabel, entry.Name);
                        if (!File.Exists(source) || new FileInfo(source).LinkTarget is not null)
                            throw Unsafe(archiveLabel, entry.Name, "it is a hard link to something that is not a file in the archive");
                        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                        if (File.Exists(full) || Directory.Exists(full)) throw Unsafe(archiveLabel, entry.Name, "it appears twice");
                        File.Copy(source, full);
                        break;
                    }
                    default:
                        throw Unsafe(archiveLabel, entry.Name, $"it is a {Describe(entry.EntryType)}, which a configuration backup never contains");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new CorruptBackupException("ArchiveUnreadable", $"{archiveLabel} is damaged and cannot be read. Run Test-WildBackup and take a new backup.", ex.Message, ex) { Target = archiveLabel };
        }
        catch (EndOfStreamException ex)
        {
            throw new CorruptBackupException("ArchiveUnreadable", $"{archiveLabel} is truncated. Run Test-WildBackup and take a new backup.", ex.Message, ex) { Target = archiveLabel };
        }
        catch (FormatException ex)
        {
            throw new CorruptBackupException("ArchiveUnreadable", $"{archiveLabel} is not a valid tar archive.", ex.Message, ex) { Target = archiveLabel };
        }
        // Directory times last: creating their contents changed them.
        foreach (var (p, t) in dirTimes) Directory.SetLastWriteTimeUtc(p, t.UtcDateTime);
        return entries;
    }

    private static string CheckName(string name, string archiveLabel)
    {
        if (string.IsNullOrEmpty(name)) throw Unsafe(archiveLabel, name, "it has an empty name");
        if (name.Contains('\0')) throw Unsafe(archiveLabel, name, "its name contains a NUL");
        if (name.StartsWith('/') || (name.Length > 1 && name[1] == ':')) throw Unsafe(archiveLabel, name, "it has an absolute path");
        if (name.Contains('\\')) throw Unsafe(archiveLabel, name, "its name contains a backslash");
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Any(p => p == "..")) throw Unsafe(archiveLabel, name, "its path contains '..'");
        return string.Join('/', parts);
    }

    private static bool StaysInside(string root, string linkDirRel, string target)
    {
        var combined = Path.GetFullPath(Path.Combine(root, linkDirRel, target));
        return combined == root || combined.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static void RefuseWritingThroughLinks(string root, string rel, string archiveLabel, string entryName)
    {
        var current = root;
        var parts = rel.Split('/');
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Combine(current, parts[i]);
            var info = new FileInfo(current);
            if (info.Exists && info.LinkTarget is not null || new DirectoryInfo(current) is { Exists: true, LinkTarget: not null })
                throw Unsafe(archiveLabel, entryName, "it would be written through a symbolic link");
        }
    }

    private static async Task CopyBoundedAsync(Stream from, Stream to, long expected, string archiveLabel, string name, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        long copied = 0;
        int n;
        while ((n = await from.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            copied += n;
            if (copied > expected) throw Unsafe(archiveLabel, name, "it holds more data than its header says");
            await to.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
        }
    }

    private static void SetMode(string path, UnixFileMode mode, bool isDirectory)
    {
        if (OperatingSystem.IsWindows()) return;
        // No setuid/setgid/sticky from an archive; the owner can always read (and enter) what was restored.
        const UnixFileMode special = UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit;
        var m = mode & ~special | UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (isDirectory) m |= UnixFileMode.UserExecute;
        File.SetUnixFileMode(path, m);
    }

    private static string Describe(TarEntryType t) => t switch
    {
        TarEntryType.CharacterDevice => "character device",
        TarEntryType.BlockDevice => "block device",
        TarEntryType.Fifo => "fifo",
        _ => $"'{t}' entry",
    };

    private static CorruptBackupException Unsafe(string archiveLabel, string? entryName, string why)
    {
        var shown = Instances.WildName.Show(entryName);
        return new CorruptBackupException("UnsafeArchiveEntry", $"{archiveLabel} contains an unsafe entry '{shown}': {why}. Nothing from it was restored.") { Target = shown };
    }
}
