namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// <c>backups/backup_&lt;name&gt;.cfg</c> (longhorn/backupstore <c>Backup</c>). Every completed backup's
/// <see cref="Blocks"/> is the complete map of the snapshot's data, sorted by offset: restorable alone.
/// A cfg with an empty <see cref="CreatedTime"/> is a backup still being written (or one that failed).
/// </summary>
public sealed record BackupConfig
{
    public required string Name { get; init; }
    public string VolumeName { get; init; } = "";
    public string SnapshotName { get; init; } = "";
    public string SnapshotCreatedAt { get; init; } = "";

    /// <summary>When the backup completed; empty while in progress.</summary>
    public string CreatedTime { get; init; } = "";

    /// <summary>Blocks × block size (stored as a string).</summary>
    public long Size { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>E.g. <c>backup-mode</c>, <c>backup-block-size</c>; null means the 2 MiB default.</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    public bool IsIncremental { get; init; }

    /// <summary>As stored (a plain string here, unlike volume.cfg); empty means gzip.</summary>
    public string CompressionMethod { get; init; } = "";

    /// <summary>Stored (compressed) bytes uploaded for this backup's new blocks (stored as a string).</summary>
    public long NewlyUploadedDataSize { get; init; }

    /// <summary>Stored bytes uploaded again for blocks that existed (full backups; stored as a string).</summary>
    public long ReUploadedDataSize { get; init; }

    /// <summary>
    /// Go serialises its in-memory ProcessingBlocks pointer: <c>{}</c> in a full backup's final cfg (the pointer is
    /// set), <c>null</c> otherwise. It carries no data; kept so cfgs round-trip byte for byte.
    /// </summary>
    public bool ProcessingBlocksIsObject { get; init; }

    public IReadOnlyList<BlockMapping> Blocks { get; init; } = [];

    /// <summary>SingleFile.FilePath: set only for single-file backups (backing images), empty for volumes.</summary>
    public string SingleFilePath { get; init; } = "";

    public IReadOnlyList<KeyValuePair<string, string>> UnknownFields { get; init; } = [];

    public bool IsInProgress => CreatedTime.Length == 0;

    public string EffectiveCompressionMethod => CompressionMethods.Effective(CompressionMethod);

    /// <summary>The block size from <c>Parameters["backup-block-size"]</c> (a Kubernetes quantity), else 2 MiB.</summary>
    public long BlockSize => BackupParameters.BlockSize(Parameters);
}

/// <summary>One entry of a backup's block map.</summary>
public sealed record BlockMapping(long Offset, string BlockChecksum);

/// <summary>The keys Longhorn puts in a backup's Parameters (go-common-libs/backup).</summary>
public static class BackupParameters
{
    public const string BackupMode = "backup-mode";
    public const string BackupBlockSize = "backup-block-size";
    public const long DefaultBlockSize = 2 * 1024 * 1024;

    /// <summary>getBlockSizeFromParameters: missing, empty or zero → 2 MiB; otherwise a quantity ("2097152", "16Mi").</summary>
    public static long BlockSize(IReadOnlyDictionary<string, string>? parameters)
    {
        if (parameters is null || !parameters.TryGetValue(BackupBlockSize, out var raw) || string.IsNullOrEmpty(raw)) return DefaultBlockSize;
        var size = Quantity.Parse(raw);
        return size == 0 ? DefaultBlockSize : size;
    }
}
