using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Wild.Backup.Simulator.Tests.Longhorn.Support;

// Typed longhorn.io/v1beta2 objects as a product would declare them for KubernetesClient's GenericClient.

public class LonghornObject<TSpec, TStatus> : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "longhorn.io/v1beta2";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public TSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public TStatus? Status { get; set; }
}

public sealed class LonghornList<T> : IKubernetesObject<V1ListMeta>, IItems<T>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ListMeta Metadata { get; set; } = new();
    [JsonPropertyName("items")] public IList<T> Items { get; set; } = [];
}

public sealed class LhCondition
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("reason")] public string Reason { get; set; } = "";
    [JsonPropertyName("message")] public string Message { get; set; } = "";
    [JsonPropertyName("lastTransitionTime")] public string LastTransitionTime { get; set; } = "";
}

public sealed class LhVolume : LonghornObject<LhVolume.SpecT, LhVolume.StatusT>
{
    public LhVolume() => Kind = "Volume";

    public sealed class SpecT
    {
        [JsonPropertyName("size")] public string? Size { get; set; }
        [JsonPropertyName("fromBackup")] public string? FromBackup { get; set; }
        [JsonPropertyName("numberOfReplicas")] public int? NumberOfReplicas { get; set; }
        [JsonPropertyName("frontend")] public string? Frontend { get; set; }
        [JsonPropertyName("dataEngine")] public string? DataEngine { get; set; }
        [JsonPropertyName("accessMode")] public string? AccessMode { get; set; }
        [JsonPropertyName("backupTargetName")] public string? BackupTargetName { get; set; }
        [JsonPropertyName("backupCompressionMethod")] public string? BackupCompressionMethod { get; set; }
        [JsonPropertyName("backupBlockSize")] public string? BackupBlockSize { get; set; }
        [JsonPropertyName("Standby")] public bool? Standby { get; set; }
    }

    public sealed class StatusT
    {
        [JsonPropertyName("state")] public string State { get; set; } = "";
        [JsonPropertyName("robustness")] public string Robustness { get; set; } = "";
        [JsonPropertyName("restoreRequired")] public bool RestoreRequired { get; set; }
        [JsonPropertyName("restoreInitiated")] public bool RestoreInitiated { get; set; }
        [JsonPropertyName("lastBackup")] public string LastBackup { get; set; } = "";
        [JsonPropertyName("lastBackupAt")] public string LastBackupAt { get; set; } = "";
        [JsonPropertyName("actualSize")] public long ActualSize { get; set; }
        [JsonPropertyName("currentNodeID")] public string CurrentNodeId { get; set; } = "";
        [JsonPropertyName("frontendDisabled")] public bool FrontendDisabled { get; set; }
        [JsonPropertyName("conditions")] public IList<LhCondition> Conditions { get; set; } = [];
        [JsonPropertyName("kubernetesStatus")] public KubernetesStatusT? KubernetesStatus { get; set; }
    }

    public sealed class KubernetesStatusT
    {
        [JsonPropertyName("namespace")] public string Namespace { get; set; } = "";
        [JsonPropertyName("pvName")] public string PvName { get; set; } = "";
        [JsonPropertyName("pvStatus")] public string PvStatus { get; set; } = "";
        [JsonPropertyName("pvcName")] public string PvcName { get; set; } = "";
        [JsonPropertyName("workloadsStatus")] public IList<WorkloadT> WorkloadsStatus { get; set; } = [];
    }

    public sealed class WorkloadT
    {
        [JsonPropertyName("podName")] public string PodName { get; set; } = "";
        [JsonPropertyName("podStatus")] public string PodStatus { get; set; } = "";
        [JsonPropertyName("workloadName")] public string WorkloadName { get; set; } = "";
        [JsonPropertyName("workloadType")] public string WorkloadType { get; set; } = "";
    }
}

public sealed class LhSnapshot : LonghornObject<LhSnapshot.SpecT, LhSnapshot.StatusT>
{
    public LhSnapshot() => Kind = "Snapshot";

    public sealed class SpecT
    {
        [JsonPropertyName("volume")] public string Volume { get; set; } = "";
        [JsonPropertyName("createSnapshot")] public bool CreateSnapshot { get; set; }
        [JsonPropertyName("labels")] public IDictionary<string, string>? Labels { get; set; }
    }

    public sealed class StatusT
    {
        [JsonPropertyName("readyToUse")] public bool ReadyToUse { get; set; }
        [JsonPropertyName("creationTime")] public string CreationTime { get; set; } = "";
        [JsonPropertyName("size")] public long Size { get; set; }
        [JsonPropertyName("restoreSize")] public long RestoreSize { get; set; }
        [JsonPropertyName("parent")] public string Parent { get; set; } = "";
        [JsonPropertyName("children")] public IDictionary<string, bool>? Children { get; set; }
        [JsonPropertyName("labels")] public IDictionary<string, string>? Labels { get; set; }
        [JsonPropertyName("error")] public string? Error { get; set; }
    }
}

public sealed class LhBackup : LonghornObject<LhBackup.SpecT, LhBackup.StatusT>
{
    public LhBackup() => Kind = "Backup";

    public sealed class SpecT
    {
        [JsonPropertyName("snapshotName")] public string? SnapshotName { get; set; }
        [JsonPropertyName("labels")] public IDictionary<string, string>? Labels { get; set; }
        [JsonPropertyName("backupMode")] public string? BackupMode { get; set; }
        [JsonPropertyName("backupBlockSize")] public string? BackupBlockSize { get; set; }
        [JsonPropertyName("syncRequestedAt")] public DateTime? SyncRequestedAt { get; set; }
    }

    public sealed class StatusT
    {
        [JsonPropertyName("state")] public string State { get; set; } = "";
        [JsonPropertyName("progress")] public int Progress { get; set; }
        [JsonPropertyName("url")] public string Url { get; set; } = "";
        [JsonPropertyName("error")] public string? Error { get; set; }
        [JsonPropertyName("messages")] public IDictionary<string, string>? Messages { get; set; }
        [JsonPropertyName("snapshotName")] public string SnapshotName { get; set; } = "";
        [JsonPropertyName("snapshotCreatedAt")] public string SnapshotCreatedAt { get; set; } = "";
        [JsonPropertyName("backupCreatedAt")] public string BackupCreatedAt { get; set; } = "";
        [JsonPropertyName("size")] public string Size { get; set; } = "";
        [JsonPropertyName("volumeName")] public string VolumeName { get; set; } = "";
        [JsonPropertyName("volumeSize")] public string VolumeSize { get; set; } = "";
        [JsonPropertyName("newlyUploadDataSize")] public string NewlyUploadDataSize { get; set; } = "";
        [JsonPropertyName("reUploadedDataSize")] public string ReUploadedDataSize { get; set; } = "";
        [JsonPropertyName("compressionMethod")] public string CompressionMethod { get; set; } = "";
        [JsonPropertyName("backupTargetName")] public string BackupTargetName { get; set; } = "";
        [JsonPropertyName("labels")] public IDictionary<string, string>? Labels { get; set; }
        [JsonPropertyName("lastSyncedAt")] public DateTime? LastSyncedAt { get; set; }
    }
}

public sealed class LhBackupVolume : LonghornObject<LhBackupVolume.SpecT, LhBackupVolume.StatusT>
{
    public LhBackupVolume() => Kind = "BackupVolume";

    public sealed class SpecT
    {
        [JsonPropertyName("backupTargetName")] public string? BackupTargetName { get; set; }
        [JsonPropertyName("volumeName")] public string? VolumeName { get; set; }
    }

    public sealed class StatusT
    {
        [JsonPropertyName("lastBackupName")] public string LastBackupName { get; set; } = "";
        [JsonPropertyName("lastBackupAt")] public string LastBackupAt { get; set; } = "";
        [JsonPropertyName("size")] public string Size { get; set; } = "";
        [JsonPropertyName("dataStored")] public string DataStored { get; set; } = "";
        [JsonPropertyName("lastSyncedAt")] public DateTime? LastSyncedAt { get; set; }
    }
}

public sealed class LhBackupTarget : LonghornObject<LhBackupTarget.SpecT, LhBackupTarget.StatusT>
{
    public LhBackupTarget() => Kind = "BackupTarget";

    public sealed class SpecT
    {
        [JsonPropertyName("backupTargetURL")] public string? BackupTargetUrl { get; set; }
        [JsonPropertyName("credentialSecret")] public string? CredentialSecret { get; set; }
        [JsonPropertyName("pollInterval")] public string? PollInterval { get; set; }
        [JsonPropertyName("syncRequestedAt")] public DateTime? SyncRequestedAt { get; set; }
    }

    public sealed class StatusT
    {
        [JsonPropertyName("available")] public bool Available { get; set; }
        [JsonPropertyName("conditions")] public IList<LhCondition> Conditions { get; set; } = [];
        [JsonPropertyName("lastSyncedAt")] public DateTime? LastSyncedAt { get; set; }
    }
}

public sealed class LhSetting : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "longhorn.io/v1beta2";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Setting";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("value")] public string Value { get; set; } = "";
    [JsonPropertyName("status")] public StatusT? Status { get; set; }

    public sealed class StatusT
    {
        [JsonPropertyName("applied")] public bool Applied { get; set; }
    }
}

public sealed class LhEngine : LonghornObject<LhEngine.SpecT, LhEngine.StatusT>
{
    public LhEngine() => Kind = "Engine";

    public sealed class SpecT
    {
        [JsonPropertyName("volumeName")] public string VolumeName { get; set; } = "";
        [JsonPropertyName("requestedBackupRestore")] public string RequestedBackupRestore { get; set; } = "";
    }

    public sealed class StatusT
    {
        [JsonPropertyName("currentState")] public string CurrentState { get; set; } = "";
        [JsonPropertyName("lastRestoredBackup")] public string LastRestoredBackup { get; set; } = "";
        [JsonPropertyName("restoreStatus")] public IDictionary<string, RestoreT>? RestoreStatus { get; set; }
    }

    public sealed class RestoreT
    {
        [JsonPropertyName("isRestoring")] public bool IsRestoring { get; set; }
        [JsonPropertyName("progress")] public int Progress { get; set; }
        [JsonPropertyName("lastRestored")] public string LastRestored { get; set; } = "";
        [JsonPropertyName("state")] public string State { get; set; } = "";
        [JsonPropertyName("error")] public string? Error { get; set; }
    }
}
