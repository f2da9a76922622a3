using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>Options of <see cref="BlockStoreWriter"/>.</summary>
public sealed record BlockStoreWriterOptions
{
    public static readonly BlockStoreWriterOptions Default = new();

    public BlockStoreLockOptions Locks { get; init; } = BlockStoreLockOptions.Longhorn;

    /// <summary>The clock for CreatedTime values and temporary file names.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>What happened to one block written with dedup.</summary>
public enum BlockWriteOutcome
{
    /// <summary>The <c>.blk</c> did not exist and was written.</summary>
    Uploaded,
    /// <summary>The <c>.blk</c> existed and was written again (full backups).</summary>
    ReUploaded,
    /// <summary>The <c>.blk</c> existed; nothing was written.</summary>
    AlreadyPresent,
}

/// <param name="StoredBytes">Bytes written to the store (the compressed size), 0 when nothing was written.</param>
public sealed record BlockWriteResult(string Checksum, BlockWriteOutcome Outcome, long StoredBytes);

/// <summary>
/// Writes Longhorn's block store the way longhorn/backupstore does: blocks deduplicated by checksum within a
/// volume (an existing <c>.blk</c> is not uploaded again), every file written as <c>&lt;dst&gt;.tmp.&lt;unixnano&gt;</c> then
/// renamed, backups under a backup lock (<see cref="BeginBackupAsync"/>), deletions under a deletion lock with
/// garbage collection of unreferenced blocks (<see cref="DeleteBackupAsync"/>).
/// </summary>
public sealed class BlockStoreWriter(IBackupStore store, BlockStoreWriterOptions? options = null)
{
    public IBackupStore Store { get; } = store;
    public BlockStoreWriterOptions Options { get; } = options ?? BlockStoreWriterOptions.Default;

    internal BlockStoreReader Reader => new(Store);

    /// <summary>RFC 3339 UTC, seconds precision (Go's time.RFC3339 of util.Now()).</summary>
    public string Now() => FormatTime(Options.Time.GetUtcNow());

    public static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Takes a lock on a backup volume (see <see cref="BlockStoreLock"/>); dispose it to release.</summary>
    public Task<BlockStoreLock> AcquireLockAsync(string volumeName, BlockStoreLockType type, CancellationToken ct) =>
        BlockStoreLock.AcquireAsync(Store, volumeName, type, Options.Locks, ct);

    /// <summary>
    /// Stores one uncompressed block of <paramref name="volumeName"/> under its checksum. When the <c>.blk</c> exists it is
    /// left alone unless <paramref name="reuploadExisting"/> (Longhorn's full backup mode).
    /// </summary>
    public async Task<BlockWriteResult> WriteBlockAsync(string volumeName, ReadOnlyMemory<byte> block, string compressionMethod,
        bool reuploadExisting, CancellationToken ct)
    {
        var checksum = BlockChecksum.Of(block.Span);
        var path = BlockStorePaths.Block(volumeName, checksum);
        var exists = await Store.StatAsync(path, ct).ConfigureAwait(false) is { IsDirectory: false };
        if (exists && !reuploadExisting) return new BlockWriteResult(checksum, BlockWriteOutcome.AlreadyPresent, 0);
        var stored = BlockCodec.Encode(compressionMethod, block.Span);
        await BlockStoreFiles.WriteAtomicallyAsync(Store, path, stored, Options.Time, ct).ConfigureAwait(false);
        return new BlockWriteResult(checksum, exists ? BlockWriteOutcome.ReUploaded : BlockWriteOutcome.Uploaded, stored.Length);
    }

    public Task WriteVolumeConfigAsync(VolumeConfig config, CancellationToken ct) =>
        BlockStoreFiles.WriteAtomicallyAsync(Store, BlockStorePaths.VolumeConfig(config.Name), VolumeConfigJson.Serialize(config), Options.Time, ct);

    public Task WriteBackupConfigAsync(BackupConfig config, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(config.VolumeName))
            throw new InvalidInputException("LonghornBackupWithoutVolume", $"Backup '{config.Name}' names no volume.");
        return BlockStoreFiles.WriteAtomicallyAsync(Store, BlockStorePaths.BackupConfig(config.VolumeName, config.Name),
            BackupConfigJson.Serialize(config), Options.Time, ct);
    }

    /// <summary>
    /// Starts a backup: takes the volume's backup lock, creates volume.cfg when the volume is new, decides whether the
    /// backup is incremental (from volume.cfg's LastBackupName) and writes the in-progress cfg. Add the blocks the
    /// session asks for, then <see cref="BackupSession.CompleteAsync"/>; dispose the session in every case.
    /// </summary>
    public Task<BackupSession> BeginBackupAsync(BackupSessionRequest request, CancellationToken ct) => BackupSession.BeginAsync(this, request, ct);

    /// <summary>
    /// Deletes a backup the way Longhorn does: under a deletion lock, removes its cfg, then garbage-collects blocks no
    /// remaining backup references — unless any remaining cfg cannot be read or is unfinished, or the backup listing
    /// changed meanwhile, in which case blocks are kept. Updates LastBackupName/BlockCount in volume.cfg.
    /// </summary>
    public Task<BackupDeletionResult> DeleteBackupAsync(string volumeName, string backupName, CancellationToken ct) =>
        BackupDeletion.RunAsync(this, volumeName, backupName, ct);
}
