using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Longhorn.Targets;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>What Longhorn's controllers share: the cluster, the data plane, the options and where target URLs land.</summary>
internal sealed class LonghornContext(ClusterRuntime runtime, LonghornDataPlane plane, LonghornOptions options, BackupTargetLocator locator, string nodeName)
{
    public ClusterRuntime Runtime => runtime;

    public LonghornStore Store { get; } = new(runtime);

    public LonghornDataPlane Plane => plane;

    public LonghornOptions Options => options;

    public BackupTargetLocator Locator => locator;

    /// <summary>The node Longhorn's controllers run on (<c>status.ownerID</c>).</summary>
    public string NodeName => nodeName;

    /// <summary>Hands the live-changeable fields of a Volume object (target, compression) to its data plane volume.</summary>
    public VolumeInfo SyncVolumeSpec(JsonObject volume, VolumeInfo info)
    {
        if (volume.Str("spec", "backupTargetName") is { Length: > 0 } target && volume.Str("spec", "backupCompressionMethod") is { Length: > 0 } method
            && (target, method) != (info.Spec.BackupTargetName, info.Spec.BackupCompressionMethod))
        {
            return plane.UpdateVolume(info.Name, target, method);
        }
        return info;
    }
}
