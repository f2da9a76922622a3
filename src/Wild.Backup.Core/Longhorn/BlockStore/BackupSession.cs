using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// One backup being written (backupstore CreateDeltaBlockBackup + performBackup). Holds the volume's backup lock
/// until disposed. The caller reads the blocks <see cref="BaseSnapshotName"/> says changed (all data blocks when it is
/// null) and passes them to <see cref="AddBlockAsync"/>; holes are never passed. <see cref="CompleteAsync"/> merges
/// them with the last backup's map so the new cfg is complete on its own. A session disposed without completing
/// leaves its unfinished cfg behind, as Longhorn does; deleting that backup removes it.
/// </summary>
public sealed class BackupSession : IAsyncDisposable
{
    private readonly BlockStoreWriter _writer;
    private readonly BackupSessionRequest _request;
    private readonly BlockStoreLock _lock;
    private readonly VolumeConfig _volume;
    private readonly Dictionary<long, string> _delta = [];
    private readonly HashSet<string> _writtenThisSession = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _completed;

    private BackupSession(BlockStoreWriter writer, BackupSessionRequest request, BlockStoreLock heldLock, VolumeConfig volume,
        BackupConfig? lastBackup, string snapshotCreatedAt)
    {
        _writer = writer;
        _request = request;
        _lock = heldLock;
        _volume = volume;
        LastBackup = lastBackup;
        SnapshotCreatedAt = snapshotCreatedAt;
    }

    public string BackupName => _request.BackupName;
    public string VolumeName => _request.VolumeName;
    public long BlockSize => _request.BlockSize;

    /// <summary>The compression this backup uses: the backup volume's (volume.cfg), whatever the request asked.</summary>
    public string CompressionMethod => _volume.EffectiveCompressionMethod;

    /// <summary>The backup this one is incremental to; null for a full backup.</summary>
    public BackupConfig? LastBackup { get; }

    public bool IsIncremental => LastBackup is not null;

    /// <summary>Read only the blocks changed since this snapshot; null: read every data block.</summary>
    public string? BaseSnapshotName => LastBackup?.SnapshotName;

    public string SnapshotCreatedAt { get; }

    public long ProcessedBlocks { get; private set; }
    public long NewBlocks { get; private set; }
    public long NewlyUploadedDataSize { get; private set; }
    public long ReUploadedDataSize { get; private set; }

    internal static async Task<BackupSession> BeginAsync(BlockStoreWriter writer, BackupSessionRequest request, CancellationToken ct)
    {
        Validate(request);
        var heldLock = await writer.AcquireLockAsync(request.VolumeName, BlockStoreLockType.BackupOrRestore, ct).ConfigureAwait(false);
        try
        {
            var volume = await EnsureVolumeAsync(writer, request, ct).ConfigureAwait(false);
            var last = await FindBaseAsync(writer, request, volume, ct).ConfigureAwait(false);
            var session = new BackupSession(writer, request, heldLock, volume, last, request.SnapshotCreatedAt ?? writer.Now());
            await writer.WriteBackupConfigAsync(new BackupConfig
            {
                Name = request.BackupName,
                VolumeName = request.VolumeName,
                CompressionMethod = volume.EffectiveCompressionMethod,
            }, ct).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await heldLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Adds the block at <paramref name="offset"/> (exactly <see cref="BlockSize"/> bytes of snapshot data): uploads it
    /// unless its <c>.blk</c> exists (full mode uploads it again) or this backup already uploaded the same content.
    /// </summary>
    public async Task<BlockWriteResult> AddBlockAsync(long offset, ReadOnlyMemory<byte> block, CancellationToken ct)
    {
        if (_completed) throw new InvalidOperationException("The backup session is already complete.");
        if (offset < 0 || offset % BlockSize != 0 || offset >= _request.VolumeSize)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"not a block offset of a {_request.VolumeSize}-byte volume with {BlockSize}-byte blocks");
        if (block.Length != BlockSize)
            throw new ArgumentException($"a block must be exactly {BlockSize} bytes, got {block.Length}", nameof(block));
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var checksum = BlockChecksum.Of(block.Span);
            BlockWriteResult result;
            if (_writtenThisSession.Contains(checksum))
            {
                result = new BlockWriteResult(checksum, BlockWriteOutcome.AlreadyPresent, 0);
            }
            else
            {
                result = await _writer.WriteBlockAsync(VolumeName, block, CompressionMethod, _request.Mode == BackupMode.Full, ct).ConfigureAwait(false);
                if (result.Outcome != BlockWriteOutcome.AlreadyPresent) _writtenThisSession.Add(checksum);
            }
            switch (result.Outcome)
            {
                case BlockWriteOutcome.Uploaded:
                    NewBlocks++;
                    NewlyUploadedDataSize += result.StoredBytes;
                    break;
                case BlockWriteOutcome.ReUploaded:
                    ReUploadedDataSize += result.StoredBytes;
                    break;
            }
            _delta[offset] = checksum;
            ProcessedBlocks++;
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes the final cfg (complete block map, CreatedTime set) and updates volume.cfg; returns the cfg.</summary>
    public async Task<BackupConfig> CompleteAsync(CancellationToken ct)
    {
        if (_completed) throw new InvalidOperationException("The backup session is already complete.");
        await _writer.Store.FlushAsync(ct).ConfigureAwait(false); // blocks durable before a cfg references them
        var delta = _delta.OrderBy(kv => kv.Key).Select(kv => new BlockMapping(kv.Key, kv.Value)).ToList();
        var blocks = LastBackup is null ? delta : Merge(delta, LastBackup.Blocks);
        var config = new BackupConfig
        {
            Name = BackupName,
            VolumeName = VolumeName,
            SnapshotName = _request.SnapshotName,
            SnapshotCreatedAt = SnapshotCreatedAt,
            CreatedTime = _writer.Now(),
            Size = blocks.Count * BlockSize,
            Labels = _request.Labels,
            Parameters = _request.EffectiveParameters,
            IsIncremental = IsIncremental,
            CompressionMethod = CompressionMethod,
            NewlyUploadedDataSize = NewlyUploadedDataSize,
            ReUploadedDataSize = ReUploadedDataSize,
            ProcessingBlocksIsObject = LastBackup is null,
            Blocks = blocks,
        };
        await _writer.WriteBackupConfigAsync(config, ct).ConfigureAwait(false);

        var current = (await _writer.Reader.ReadVolumeConfigAsync(VolumeName, ct).ConfigureAwait(false)).WithLoadDefaults();
        await _writer.WriteVolumeConfigAsync(current with
        {
            LastBackupName = BackupName,
            LastBackupAt = SnapshotCreatedAt,
            BlockCount = current.BlockCount + NewBlocks,
            Size = _request.VolumeSize,
            Labels = _request.Labels,
            BackingImageName = _request.BackingImageName,
            BackingImageChecksum = _request.BackingImageChecksum,
            CompressionMethod = _volume.EffectiveCompressionMethod,
            StorageClassName = _request.StorageClassName,
            DataEngine = _volume.EffectiveDataEngine,
        }, ct).ConfigureAwait(false);
        await _writer.Store.FlushAsync(ct).ConfigureAwait(false);
        _completed = true;
        return config;
    }

    public async ValueTask DisposeAsync()
    {
        await _lock.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    /// <summary>mergeSnapshotMap: the delta's entries win; the last backup's fill every other offset.</summary>
    internal static List<BlockMapping> Merge(IReadOnlyList<BlockMapping> delta, IReadOnlyList<BlockMapping> last)
    {
        var merged = new List<BlockMapping>(delta.Count + last.Count);
        int d = 0, l = 0;
        while (d < delta.Count && l < last.Count)
        {
            if (delta[d].Offset == last[l].Offset)
            {
                merged.Add(delta[d++]);
                l++;
            }
            else if (delta[d].Offset < last[l].Offset) merged.Add(delta[d++]);
            else merged.Add(last[l++]);
        }
        while (d < delta.Count) merged.Add(delta[d++]);
        while (l < last.Count) merged.Add(last[l++]);
        return merged;
    }

    private static void Validate(BackupSessionRequest r)
    {
        BlockStorePaths.RequireValidName(r.VolumeName, "volume");
        BlockStorePaths.RequireValidName(r.BackupName, "backup");
        if (string.IsNullOrEmpty(r.SnapshotName)) throw new InvalidInputException("LonghornMissingSnapshot", "A Longhorn backup needs a snapshot name.");
        CompressionMethods.Require(r.CompressionMethod);
        if (r.BlockSize <= 0 || r.BlockSize > 64 * 1024 * 1024)
            throw new InvalidInputException("LonghornBadBlockSize", $"Backup block size {r.BlockSize} is out of range.");
        if (BackupParameters.BlockSize(r.EffectiveParameters) != r.BlockSize)
            throw new InvalidInputException("LonghornBadBlockSize", $"The backup-block-size parameter disagrees with the block size {r.BlockSize}.");
        if (r.VolumeSize <= 0 || r.VolumeSize % r.BlockSize != 0)
            throw new InvalidInputException("LonghornBadVolumeSize", $"Volume size {r.VolumeSize} is not a positive multiple of the block size {r.BlockSize}.");
    }

    // addVolume + loadVolume: a new backup volume gets a volume.cfg from the request (DataEngine left empty, as the engine
    // leaves it); an existing one is used as stored, with Longhorn's load defaults.
    private static async Task<VolumeConfig> EnsureVolumeAsync(BlockStoreWriter writer, BackupSessionRequest r, CancellationToken ct)
    {
        var path = BlockStorePaths.VolumeConfig(r.VolumeName);
        if (await writer.Store.StatAsync(path, ct).ConfigureAwait(false) is null)
        {
            await writer.WriteVolumeConfigAsync(new VolumeConfig
            {
                Name = r.VolumeName,
                Size = r.VolumeSize,
                Labels = r.Labels,
                CreatedTime = writer.Now(),
                BackingImageName = r.BackingImageName,
                BackingImageChecksum = r.BackingImageChecksum,
                CompressionMethod = r.CompressionMethod,
                StorageClassName = r.StorageClassName,
            }, ct).ConfigureAwait(false);
        }
        return (await writer.Reader.ReadVolumeConfigAsync(r.VolumeName, ct).ConfigureAwait(false)).WithLoadDefaults();
    }

    // The last backup is the base unless: full mode, none recorded, it cannot be loaded, it was of this very snapshot,
    // or its snapshot is gone from the volume (all fall back to a full backup, as Longhorn does).
    private static async Task<BackupConfig?> FindBaseAsync(BlockStoreWriter writer, BackupSessionRequest r, VolumeConfig volume, CancellationToken ct)
    {
        if (r.Mode == BackupMode.Full || string.IsNullOrEmpty(volume.LastBackupName)) return null;
        BackupConfig last;
        try
        {
            last = await writer.Reader.ReadBackupConfigAsync(r.VolumeName, volume.LastBackupName, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NotFoundException or CorruptBackupException or InvalidInputException)
        {
            return null;
        }
        if (last.IsInProgress || last.SnapshotName == r.SnapshotName) return null;
        if (last.SnapshotName.Length > 0 && r.HasLocalSnapshot is { } has && !has(last.SnapshotName)) return null;
        return last;
    }
}
