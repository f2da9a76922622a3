namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>Longhorn's backup modes (Backup spec.backupMode).</summary>
public enum BackupMode
{
    /// <summary>Only blocks changed since the last backup's snapshot are read; existing blocks are not uploaded again.</summary>
    Incremental,
    /// <summary>Every data block of the snapshot is read and uploaded, existing ones again (ReUploadedDataSize).</summary>
    Full,
}

/// <summary>What the engine hands the block store for one backup (backupstore DeltaBackupConfig).</summary>
public sealed record BackupSessionRequest
{
    public required string BackupName { get; init; }
    public required string VolumeName { get; init; }

    /// <summary>The volume's size in bytes, a multiple of <see cref="BlockSize"/>.</summary>
    public required long VolumeSize { get; init; }

    public required string SnapshotName { get; init; }

    /// <summary>Longhorn's engine records the time the backup started here (util.Now()), not the snapshot's own creation time.</summary>
    public string? SnapshotCreatedAt { get; init; }

    /// <summary>The method for a NEW backup volume; an existing volume keeps the one in its volume.cfg.</summary>
    public string CompressionMethod { get; init; } = CompressionMethods.Default;

    public long BlockSize { get; init; } = BackupParameters.DefaultBlockSize;
    public BackupMode Mode { get; init; } = BackupMode.Incremental;

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Null: Longhorn's <c>backup-mode</c> and <c>backup-block-size</c> parameters are filled in from
    /// <see cref="Mode"/> and <see cref="BlockSize"/>, as longhorn-manager passes them.</summary>
    public IReadOnlyDictionary<string, string>? Parameters { get; init; }

    public string BackingImageName { get; init; } = "";
    public string BackingImageChecksum { get; init; } = "";
    public string StorageClassName { get; init; } = "";

    /// <summary>
    /// Whether the engine still has a snapshot (HasSnapshot). When the last backup's snapshot is gone the backup
    /// falls back to full. Null: assume it exists.
    /// </summary>
    public Func<string, bool>? HasLocalSnapshot { get; init; }

    internal IReadOnlyDictionary<string, string> EffectiveParameters => Parameters ?? new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [BackupParameters.BackupMode] = Mode == BackupMode.Full ? "full" : "incremental",
        [BackupParameters.BackupBlockSize] = BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
