using System.Text.Json.Serialization;

namespace Wild.Backup.Simulator.Longhorn.Api;

/// <summary>A Longhorn condition (longhorn-manager Condition).</summary>
public sealed record LonghornCondition
{
    [JsonPropertyName("type")] public string Type { get; init; } = "";
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("reason")] public string Reason { get; init; } = "";
    [JsonPropertyName("message")] public string Message { get; init; } = "";
    [JsonPropertyName("lastTransitionTime")] public string LastTransitionTime { get; init; } = "";
}

/// <summary>A BackupTarget's <c>spec</c> (the fields the product sets).</summary>
public sealed record BackupTargetSpec
{
    [JsonPropertyName("backupTargetURL")] public string BackupTargetUrl { get; init; } = "";
    [JsonPropertyName("credentialSecret")] public string CredentialSecret { get; init; } = "";
    [JsonPropertyName("pollInterval")] public string PollInterval { get; init; } = "5m0s";
}

/// <summary>A BackupTarget's <c>status</c>: available when its location can be listed; otherwise an <c>Unavailable</c> condition says why.</summary>
public sealed record BackupTargetStatus
{
    [JsonPropertyName("available")] public bool Available { get; init; }
    [JsonPropertyName("conditions")] public IReadOnlyList<LonghornCondition> Conditions { get; init; } = [];
    [JsonPropertyName("lastSyncedAt")] public string? LastSyncedAt { get; init; }
}

public sealed record BackupTargetInfo(string Name, BackupTargetSpec Spec, BackupTargetStatus Status);
