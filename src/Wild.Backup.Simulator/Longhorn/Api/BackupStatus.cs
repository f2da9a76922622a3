using System.Text.Json.Serialization;

namespace Wild.Backup.Simulator.Longhorn.Api;

/// <summary>Values of Backup <c>status.state</c> (longhorn-manager BackupState).</summary>
public static class BackupStates
{
    public const string New = "";
    public const string Pending = "Pending";
    public const string InProgress = "InProgress";
    public const string Completed = "Completed";
    public const string Error = "Error";
    public const string Unknown = "Unknown";
    public const string Deleting = "Deleting";

    public static bool IsFinal(string state) => state is Completed or Error or Unknown or Deleting;
}

/// <summary>
/// A Backup's <c>status</c> exactly as the longhorn.io/v1beta2 Backup CRD names its fields; serialise it with
/// System.Text.Json to get the CR status. Sizes are strings, as in the CRD.
/// </summary>
public sealed record BackupStatus
{
    [JsonPropertyName("state")] public string State { get; init; } = BackupStates.New;
    [JsonPropertyName("progress")] public int Progress { get; init; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Error { get; init; }
    [JsonPropertyName("url")] public string Url { get; init; } = "";
    [JsonPropertyName("snapshotName")] public string SnapshotName { get; init; } = "";
    [JsonPropertyName("snapshotCreatedAt")] public string SnapshotCreatedAt { get; init; } = "";
    [JsonPropertyName("backupCreatedAt")] public string BackupCreatedAt { get; init; } = "";
    [JsonPropertyName("size")] public string Size { get; init; } = "";
    [JsonPropertyName("labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("messages")] public IReadOnlyDictionary<string, string>? Messages { get; init; }
    [JsonPropertyName("volumeName")] public string VolumeName { get; init; } = "";
    [JsonPropertyName("volumeSize")] public string VolumeSize { get; init; } = "";
    [JsonPropertyName("volumeCreated")] public string VolumeCreated { get; init; } = "";
    [JsonPropertyName("volumeBackingImageName")] public string VolumeBackingImageName { get; init; } = "";
    [JsonPropertyName("lastSyncedAt")] public string? LastSyncedAt { get; init; }
    [JsonPropertyName("compressionMethod")] public string CompressionMethod { get; init; } = "";
    [JsonPropertyName("newlyUploadDataSize")] public string NewlyUploadDataSize { get; init; } = "";
    [JsonPropertyName("reUploadedDataSize")] public string ReUploadedDataSize { get; init; } = "";
    [JsonPropertyName("backupTargetName")] public string BackupTargetName { get; init; } = "";

    /// <summary>The backup's block size (from its cfg's Parameters; not a status field: Backup <c>spec.backupBlockSize</c> carries it).</summary>
    [JsonIgnore] public long BlockSize { get; init; }

    [JsonIgnore] public bool IsFinal => BackupStates.IsFinal(State);
}
