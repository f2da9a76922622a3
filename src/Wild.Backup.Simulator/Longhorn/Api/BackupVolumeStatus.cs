using System.Text.Json.Serialization;

namespace Wild.Backup.Simulator.Longhorn.Api;

/// <summary>A BackupVolume's <c>spec</c> fields that identify it (one per volume per target).</summary>
public sealed record BackupVolumeSpec
{
    [JsonPropertyName("backupTargetName")] public string BackupTargetName { get; init; } = "";
    [JsonPropertyName("volumeName")] public string VolumeName { get; init; } = "";
}

/// <summary>A BackupVolume's <c>status</c> as the longhorn.io/v1beta2 CRD names its fields, filled from volume.cfg.</summary>
public sealed record BackupVolumeStatus
{
    [JsonPropertyName("size")] public string Size { get; init; } = "";
    [JsonPropertyName("labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("createdAt")] public string CreatedAt { get; init; } = "";
    [JsonPropertyName("lastBackupName")] public string LastBackupName { get; init; } = "";
    [JsonPropertyName("lastBackupAt")] public string LastBackupAt { get; init; } = "";
    [JsonPropertyName("dataStored")] public string DataStored { get; init; } = "";
    [JsonPropertyName("messages")] public IReadOnlyDictionary<string, string>? Messages { get; init; }
    [JsonPropertyName("backingImageName")] public string BackingImageName { get; init; } = "";
    [JsonPropertyName("backingImageChecksum")] public string BackingImageChecksum { get; init; } = "";
    [JsonPropertyName("storageClassName")] public string StorageClassName { get; init; } = "";
    [JsonPropertyName("lastSyncedAt")] public string? LastSyncedAt { get; init; }
}

/// <summary>One backup volume on a target: what a BackupVolume CR would hold.</summary>
public sealed record BackupVolumeInfo(BackupVolumeSpec Spec, BackupVolumeStatus Status);
