using System.Text.Json.Serialization;

namespace Wild.Backup.Simulator.Longhorn.Api;

/// <summary>Values of Volume <c>status.state</c> and <c>status.robustness</c>.</summary>
public static class VolumeStates
{
    public const string Creating = "creating";
    public const string Attached = "attached";
    public const string Detached = "detached";
    public const string Attaching = "attaching";

    public const string Healthy = "healthy";
    public const string Faulted = "faulted";
    public const string Unknown = "unknown";
}

/// <summary>The Volume <c>spec</c> fields the product reads or sets (sizes as strings, as in the CRD).</summary>
public sealed record VolumeSpec
{
    [JsonPropertyName("size")] public string Size { get; init; } = "";
    [JsonPropertyName("frontend")] public string Frontend { get; init; } = "blockdev";
    [JsonPropertyName("fromBackup")] public string FromBackup { get; init; } = "";
    [JsonPropertyName("numberOfReplicas")] public int NumberOfReplicas { get; init; } = 3;
    [JsonPropertyName("dataEngine")] public string DataEngine { get; init; } = "v1";
    [JsonPropertyName("backupCompressionMethod")] public string BackupCompressionMethod { get; init; } = "";
    [JsonPropertyName("backupBlockSize")] public string BackupBlockSize { get; init; } = "";
    [JsonPropertyName("backupTargetName")] public string BackupTargetName { get; init; } = "default";
    [JsonPropertyName("accessMode")] public string AccessMode { get; init; } = "rwo";
    [JsonPropertyName("Standby")] public bool Standby { get; init; }
}

/// <summary>The Volume <c>status</c> fields the product waits on.</summary>
public sealed record VolumeStatus
{
    [JsonPropertyName("state")] public string State { get; init; } = VolumeStates.Detached;
    [JsonPropertyName("robustness")] public string Robustness { get; init; } = VolumeStates.Unknown;
    [JsonPropertyName("restoreRequired")] public bool RestoreRequired { get; init; }
    [JsonPropertyName("restoreInitiated")] public bool RestoreInitiated { get; init; }
    [JsonPropertyName("lastBackup")] public string LastBackup { get; init; } = "";
    [JsonPropertyName("lastBackupAt")] public string LastBackupAt { get; init; } = "";
    [JsonPropertyName("actualSize")] public long ActualSize { get; init; }
    [JsonPropertyName("isStandby")] public bool IsStandby { get; init; }
}

/// <summary>One replica's restore progress as the Engine CR reports it (<c>status.restoreStatus[replica]</c>).</summary>
public sealed record RestoreStatus
{
    [JsonPropertyName("isRestoring")] public bool IsRestoring { get; init; }
    [JsonPropertyName("lastRestored")] public string LastRestored { get; init; } = "";
    [JsonPropertyName("currentRestoringBackup")] public string CurrentRestoringBackup { get; init; } = "";
    [JsonPropertyName("progress"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Progress { get; init; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public string? Error { get; init; }
    [JsonPropertyName("state")] public string State { get; init; } = "";
    [JsonPropertyName("backupURL")] public string BackupUrl { get; init; } = "";

    public static class States
    {
        public const string InProgress = "in_progress";
        public const string Complete = "complete";
        public const string Error = "error";
    }

    [JsonIgnore] public bool IsFinal => State is States.Complete or States.Error;
}

/// <summary>A volume as the simulator holds it: its name, spec and status.</summary>
public sealed record VolumeInfo(string Name, long SizeBytes, VolumeSpec Spec, VolumeStatus Status);
