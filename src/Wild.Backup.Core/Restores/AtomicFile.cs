
namespace Wild.Backup.Core.Restores;

/// <summary>Replaces local files so a crash leaves either the old or the new content: temp file in the same directory,
/// flushed to disk, renamed over the target, directory flushed.</summary>
public static class AtomicFile
{
    public static readonly UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public static readonly UnixFileMode DefaultMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically with <paramref name="mode"/>
    /// (null: keep the existing file's mode, or 0644 for a new file).</summary>
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, UnixFileMode? mode, CancellationToken ct)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var effective = mode ?? (File.Exists(path) && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(path) : DefaultMode);
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = effective;
            await using (var fs = new FileStream(temp, options))
            {
                await fs.WriteAsync(content, ct).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            SyncDirectory(dir);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Copies a file beside itself (e.g. <c>kubeconfig.bak</c>) atomically, keeping its mode.</summary>
    public static async Task CopyAsync(string from, string to, CancellationToken ct)
    {
        var bytes = await File.ReadAllBytesAsync(from, ct).ConfigureAwait(false);
        await WriteAsync(to, bytes, OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(from), ct).ConfigureAwait(false);
    }

    /// <summary>Makes a rename in <paramref name="dir"/> durable (Linux); a no-op where directories cannot be synced.</summary>
    public static void SyncDirectory(string dir)
    {
        if (!IO.Posix.Supported) return;
        try
        {
            using var fd = IO.Posix.Open(dir, IO.Posix.O_RDONLY | IO.Posix.O_DIRECTORY, 0, dir);
            IO.Posix.Fsync(fd, dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort, as before: the rename itself happened.
        }
    }
}
