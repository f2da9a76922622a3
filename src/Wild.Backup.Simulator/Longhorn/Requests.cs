using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>What creating a Longhorn Volume asks for (its spec). Sizes are bytes; Longhorn rounds them up to 2 MiB.</summary>
public sealed record VolumeRequest
{
    public required string Name { get; init; }
    public required long SizeBytes { get; init; }
    public int NumberOfReplicas { get; init; } = 3;
    public string Frontend { get; init; } = "blockdev";
    public string DataEngine { get; init; } = DataEngines.V1;
    public string AccessMode { get; init; } = "rwo";

    /// <summary>Null: the <c>backup-compression-method</c> setting.</summary>
    public string? BackupCompressionMethod { get; init; }

    /// <summary>2 MiB or 16 MiB; null: the default 2 MiB.</summary>
    public long? BackupBlockSize { get; init; }

    public string BackupTargetName { get; init; } = "default";
}

/// <summary>What a Backup CR asks for: a snapshot of a volume to back up to the volume's target.</summary>
public sealed record BackupRequest
{
    public required string BackupName { get; init; }
    public required string SnapshotName { get; init; }

    /// <summary>Null: the volume the snapshot belongs to (Longhorn's webhook finds it the same way).</summary>
    public string? VolumeName { get; init; }

    /// <summary>Backup <c>spec.labels</c>.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public BackupMode Mode { get; init; } = BackupMode.Incremental;

    /// <summary>Null: the volume's <c>spec.backupTargetName</c>.</summary>
    public string? BackupTargetName { get; init; }
}

/// <summary>What creating a Volume with <c>spec.fromBackup</c> asks for.</summary>
public sealed record RestoreRequest
{
    public required string VolumeName { get; init; }

    /// <summary>A backup URL, <c>&lt;target&gt;?backup=&lt;b&gt;&amp;volume=&lt;v&gt;</c>.</summary>
    public required string FromBackup { get; init; }

    /// <summary>Null: the backup volume's size. Must not be smaller.</summary>
    public long? SizeBytes { get; init; }

    public int NumberOfReplicas { get; init; } = 3;
}
