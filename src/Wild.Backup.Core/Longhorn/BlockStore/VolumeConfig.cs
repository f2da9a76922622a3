namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// <c>volume.cfg</c>: a backup volume's metadata (longhorn/backupstore <c>Volume</c>). Values are as stored; see
/// <see cref="EffectiveCompressionMethod"/> / <see cref="EffectiveDataEngine"/> for what Longhorn uses when a field is empty.
/// </summary>
public sealed record VolumeConfig
{
    public required string Name { get; init; }

    /// <summary>Volume size in bytes (stored as a string).</summary>
    public long Size { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>RFC 3339 UTC time the backup volume was created.</summary>
    public string CreatedTime { get; init; } = "";

    public string LastBackupName { get; init; } = "";

    /// <summary>The SnapshotCreatedAt of the last backup.</summary>
    public string LastBackupAt { get; init; } = "";

    /// <summary>Distinct blocks stored for the volume (stored as a string).</summary>
    public long BlockCount { get; init; }

    public string BackingImageName { get; init; } = "";
    public string BackingImageChecksum { get; init; } = "";

    /// <summary>As stored; empty in cfgs older than lz4 support.</summary>
    public string CompressionMethod { get; init; } = "";

    public string StorageClassName { get; init; } = "";

    /// <summary>As stored; empty means v1.</summary>
    public string DataEngine { get; init; } = "";

    /// <summary>Members this version does not know (e.g. LinkedCloneSourceVolume from newer Longhorn), raw JSON, kept for round-trips.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> UnknownFields { get; init; } = [];

    public string EffectiveCompressionMethod => CompressionMethods.Effective(CompressionMethod);

    public string EffectiveDataEngine => string.IsNullOrEmpty(DataEngine) ? DataEngines.V1 : DataEngine;

    /// <summary>What Longhorn's loadVolume holds in memory after reading the file: empty method → gzip, empty engine → v1.
    /// A volume.cfg Longhorn re-saves carries these values.</summary>
    public VolumeConfig WithLoadDefaults() => this with
    {
        CompressionMethod = EffectiveCompressionMethod,
        DataEngine = EffectiveDataEngine,
    };
}

public static class DataEngines
{
    public const string V1 = "v1";
    public const string V2 = "v2";
}
