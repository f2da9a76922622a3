using System.Text.Json.Serialization;

namespace Wild.Backup.Simulator.Longhorn.Api;

/// <summary>A Snapshot's <c>status</c> as the longhorn.io/v1beta2 CRD names its fields.</summary>
public sealed record SnapshotStatus
{
    [JsonPropertyName("parent")] public string Parent { get; init; } = "";
    [JsonPropertyName("children")] public IReadOnlyDictionary<string, bool> Children { get; init; } = new Dictionary<string, bool>();
    [JsonPropertyName("markRemoved")] public bool MarkRemoved { get; init; }
    [JsonPropertyName("userCreated")] public bool UserCreated { get; init; } = true;
    [JsonPropertyName("creationTime")] public string CreationTime { get; init; } = "";
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("restoreSize")] public long RestoreSize { get; init; }
    [JsonPropertyName("labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("readyToUse")] public bool ReadyToUse { get; init; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Error { get; init; }
}

public sealed record SnapshotInfo(string Name, string VolumeName, SnapshotStatus Status);
