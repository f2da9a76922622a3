using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Longhorn.Kube;

/// <summary>Reads Longhorn objects straight from the cluster's store, as longhorn-manager reads its informer cache.</summary>
internal sealed class LonghornStore(ClusterRuntime runtime, LonghornVersion version)
{
    public LonghornVersion Version => version;

    public ClusterRuntime Runtime => runtime;

    public JsonObject? Get(GroupVersionResource resource, string name) => runtime.GetObject(resource, LonghornKube.Namespace, name);

    public IReadOnlyList<JsonObject> List(GroupVersionResource resource, Func<JsonObject, bool>? where = null)
    {
        var items = runtime.Store.List(resource.GroupResource, LonghornKube.Namespace).Items.Select(i => i.Parse());
        return [.. where is null ? items : items.Where(where)];
    }

    /// <summary>Objects carrying all of <paramref name="labels"/>.</summary>
    public IReadOnlyList<JsonObject> ListByLabels(GroupVersionResource resource, params (string Key, string Value)[] labels) =>
        List(resource, o => labels.All(l => o.Str("metadata", "labels", l.Key) == l.Value));

    /// <summary>A Setting's value, or null when the Setting does not exist.</summary>
    public string? Setting(string name) => Get(LonghornKube.Settings, name).Str("value");

    /// <summary>The BackupVolume of a volume on a target: from v1.8 found by its labels (never by name,
    /// datastore.GetBackupVolumeByBackupTargetAndVolume); v1.7 has one target and names it after the volume.</summary>
    public JsonObject? BackupVolume(string targetName, string volumeName) => version.HasBackupTargetName
        ? ListByLabels(LonghornKube.BackupVolumes, (LonghornKube.LabelBackupTarget, targetName), (LonghornKube.LabelBackupVolume, volumeName)).FirstOrDefault()
        : targetName == LonghornKube.DefaultTargetName ? Get(LonghornKube.BackupVolumes, volumeName) : null;

    /// <summary>The BackupVolumes of a target (v1.7: all of them).</summary>
    public IReadOnlyList<JsonObject> BackupVolumesOf(string targetName) => version.HasBackupTargetName
        ? ListByLabels(LonghornKube.BackupVolumes, (LonghornKube.LabelBackupTarget, targetName))
        : targetName == LonghornKube.DefaultTargetName ? List(LonghornKube.BackupVolumes) : [];

    /// <summary>The volume a BackupVolume is of: <c>spec.volumeName</c> (v1.8+), its name (v1.7).</summary>
    public string BackupVolumeVolume(JsonObject backupVolume) => version.HasBackupTargetName
        ? backupVolume.Str("spec", "volumeName") ?? ""
        : backupVolume.Str("metadata", "name") ?? "";

    /// <summary>The target a BackupVolume belongs to: <c>spec.backupTargetName</c> (v1.8+), the one target (v1.7).</summary>
    public string BackupVolumeTarget(JsonObject backupVolume) => version.HasBackupTargetName
        ? backupVolume.Str("spec", "backupTargetName") ?? ""
        : LonghornKube.DefaultTargetName;

    /// <summary>The target of a Backup: its <c>backup-target</c> label (v1.8+), the one target (v1.7).</summary>
    public string BackupTarget(JsonObject backup) => version.HasBackupTargetName
        ? backup.Str("metadata", "labels", LonghornKube.LabelBackupTarget) ?? ""
        : LonghornKube.DefaultTargetName;

    /// <summary>The Backups of a volume's backup volume on a target (by their labels).</summary>
    public IReadOnlyList<JsonObject> BackupsOf(string targetName, string volumeName) =>
        List(LonghornKube.Backups, b => b.Str("metadata", "labels", LonghornKube.LabelBackupVolume) == volumeName && BackupTarget(b) == targetName);

    /// <summary>True when the BackupTarget exists, has a URL and reports itself available (what Longhorn's webhook and controllers check).</summary>
    public bool IsTargetAvailable(string targetName) => Get(LonghornKube.BackupTargets, targetName) is { } t && IsAvailable(t);

    public static bool IsAvailable(JsonObject target) =>
        target.Str("metadata", "deletionTimestamp") is null
        && !string.IsNullOrEmpty(target.Str("spec", "backupTargetURL"))
        && target.Bool("status", "available") == true;
}
