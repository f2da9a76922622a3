using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Longhorn.Kube;

/// <summary>Reads Longhorn objects straight from the cluster's store, as longhorn-manager reads its informer cache.</summary>
internal sealed class LonghornStore(ClusterRuntime runtime)
{
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

    /// <summary>The BackupVolume of a volume on a target, found by its labels (never by name).</summary>
    public JsonObject? BackupVolume(string targetName, string volumeName) =>
        ListByLabels(LonghornKube.BackupVolumes, (LonghornKube.LabelBackupTarget, targetName), (LonghornKube.LabelBackupVolume, volumeName)).FirstOrDefault();

    /// <summary>True when the BackupTarget exists, has a URL and reports itself available (what Longhorn's webhook and controllers check).</summary>
    public bool IsTargetAvailable(string targetName) => Get(LonghornKube.BackupTargets, targetName) is { } t && IsAvailable(t);

    public static bool IsAvailable(JsonObject target) =>
        target.Str("metadata", "deletionTimestamp") is null
        && !string.IsNullOrEmpty(target.Str("spec", "backupTargetURL"))
        && target.Bool("status", "available") == true;
}
