using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Longhorn.Kube;

/// <summary>Who uses a Longhorn volume: its PersistentVolume (CSI driver.longhorn.io, volumeHandle = volume), the claim
/// bound to it, and the pods mounting that claim. Read straight from the store.</summary>
internal sealed record VolumeUsage(JsonObject? Pv, JsonObject? Pvc, IReadOnlyList<JsonObject> Pods)
{
    public const string Driver = "driver.longhorn.io";

    /// <summary>Pods that hold the volume attached: running on a node and not being deleted.</summary>
    public IEnumerable<JsonObject> AttachingPods => Pods.Where(p =>
        p.Str("spec", "nodeName") is { Length: > 0 } && p.Str("status", "phase") == "Running" && p.Str("metadata", "deletionTimestamp") is null);

    public static VolumeUsage Of(ClusterRuntime rt, string volumeName)
    {
        var pv = rt.Store.List(GroupVersionResource.PersistentVolumes.GroupResource, null).Items.Select(i => i.Parse())
            .FirstOrDefault(p => p.Str("spec", "csi", "driver") == Driver && p.Str("spec", "csi", "volumeHandle") == volumeName);
        var claimNs = pv.Str("spec", "claimRef", "namespace");
        var claimName = pv.Str("spec", "claimRef", "name");
        var pvc = claimNs is null || claimName is null ? null : rt.GetObject(GroupVersionResource.PersistentVolumeClaims, claimNs, claimName);
        if (pvc is not null && pvc.Str("spec", "volumeName") != pv.Str("metadata", "name")) pvc = null;
        var pods = pvc is null ? [] : PodsUsing(rt, claimNs!, claimName!);
        return new VolumeUsage(pv, pvc, pods);
    }

    public static IReadOnlyList<JsonObject> PodsUsing(ClusterRuntime rt, string ns, string claim) =>
        [.. rt.Store.List(GroupVersionResource.Pods.GroupResource, ns).Items.Select(i => i.Parse()).Where(p => ClaimsOf(p).Contains(claim))];

    public static IEnumerable<string> ClaimsOf(JsonObject? pod) =>
        pod.Arr("spec", "volumes")?.OfType<JsonObject>().Select(v => v.Str("persistentVolumeClaim", "claimName")).OfType<string>() ?? [];

    /// <summary>The Longhorn volume behind a PersistentVolume, or null when it is not a Longhorn CSI volume.</summary>
    public static string? VolumeOf(JsonObject? pv) =>
        pv.Str("spec", "csi", "driver") == Driver ? pv.Str("spec", "csi", "volumeHandle") : null;

    /// <summary>The Longhorn volume behind a claim, or null.</summary>
    public static string? VolumeOfClaim(ClusterRuntime rt, JsonObject? pvc) =>
        pvc.Str("spec", "volumeName") is { Length: > 0 } pvName ? VolumeOf(rt.GetObject(GroupVersionResource.PersistentVolumes, null, pvName)) : null;
}
