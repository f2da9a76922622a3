namespace Wild.Backup.Core.Backups;

/// <summary>
/// One file a backup will contain, and how to produce it. <see cref="WriteAsync"/> writes the file's content to the
/// stream it is given and reports the source bytes it consumed (for progress); <see cref="EstimatedBytes"/> is an upper
/// bound used for the free-space check and the progress scale.
/// </summary>
public sealed record BackupArtifact(
    string Name,
    long EstimatedBytes,
    bool Secret,
    Func<Stream, Action<long>, CancellationToken, Task> WriteAsync)
{
    /// <summary>An artifact holding bytes already in memory (a YAML section).</summary>
    public static BackupArtifact FromBytes(string name, byte[] content, bool secret) =>
        new(name, content.Length, secret, async (s, progress, ct) =>
        {
            await s.WriteAsync(content, ct).ConfigureAwait(false);
            progress(content.Length);
        });

    /// <summary>An artifact copied from a local file.</summary>
    public static BackupArtifact FromFile(string name, string path, bool secret) =>
        new(name, new FileInfo(path).Length, secret, async (s, progress, ct) =>
        {
            await using var src = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await src.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await s.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                progress(n);
            }
        });
}

/// <summary>What a backup will hold: its files, the optional inputs that were absent, directories kept even when empty,
/// and the volumes backed up outside the destination (by Longhorn) whose records go into backup.json.</summary>
public sealed record BackupContents(IReadOnlyList<BackupArtifact> Artifacts, IReadOnlyList<string> Absent, IReadOnlyList<string> Directories)
{
    /// <summary>Bytes written to the destination (the free-space check).</summary>
    public long EstimatedBytes => Artifacts.Sum(a => a.EstimatedBytes);

    public IReadOnlyList<VolumeExport> Volumes { get; init; } = [];

    /// <summary>Bytes the export moves, files and volumes (the progress scale).</summary>
    public long ExportBytes => EstimatedBytes + Volumes.Sum(v => v.EstimatedBytes);
}

/// <summary>One volume backed up during the export ("Exporting data", by bytes): <see cref="RunAsync"/> reports the bytes
/// it has moved as increments and returns the volume's record.</summary>
public sealed record VolumeExport(string Name, long EstimatedBytes, Func<Action<long>, CancellationToken, Task<BackupVolumeRecord>> RunAsync)
{
    /// <summary>When set, an image of the volume is written into the backup once <see cref="RunAsync"/> has made its record
    /// (<c>volumes/{pvc}.qcow2</c>): to the stream given, reporting bytes as increments; returns the image's record, or
    /// null when the image could not be made from its source (said as a warning): the file is then dropped and the backup
    /// goes on without it.</summary>
    public Func<BackupVolumeRecord, Stream, Action<long>, CancellationToken, Task<BackupImageRecord?>>? WriteImageAsync { get; init; }
}
