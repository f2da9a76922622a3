using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources.Kinds;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// pvc-protection and pv-protection: a deleted claim stays (Terminating) while a non-terminated pod
/// uses it; a deleted volume stays while it is Bound. Then the protection finalizer is removed.
/// </summary>
internal sealed class VolumeProtection : Controller
{
    private static readonly GroupResource Pvcs = GroupVersionResource.PersistentVolumeClaims.GroupResource;
    private static readonly GroupResource Pvs = GroupVersionResource.PersistentVolumes.GroupResource;

    public VolumeProtection(ClusterRuntime rt) : base(rt, "volume-protection") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches => [Pvcs, Pvs, GroupVersionResource.Pods.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        if (e.Resource == Pvcs || e.Resource == Pvs) return e.Type == StoreEventType.Deleted ? [] : [Self(e)];
        var pod = (e.Object ?? e.Previous)!.Parse();
        if (e.Type != StoreEventType.Deleted && pod.Str("status", "phase") is not ("Succeeded" or "Failed")) return [];
        var ns = pod.Str("metadata", "namespace") ?? "";
        return pod.Arr("spec", "volumes")?.OfType<JsonObject>().Select(v => v.Str("persistentVolumeClaim", "claimName"))
            .Where(c => c is not null).Select(c => new ObjectRef(Pvcs, ns, c!)).ToList() ?? [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        if (key.Resource == Pvcs)
        {
            var pvc = Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, key.Namespace, key.Name);
            if (pvc is null || pvc.Str("metadata", "deletionTimestamp") is null || !HasFinalizer(pvc, PvcStrategy.ProtectionFinalizer)) return Task.CompletedTask;
            var inUse = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
                .Any(p => p.Str("status", "phase") is not ("Succeeded" or "Failed")
                          && p.Arr("spec", "volumes")?.OfType<JsonObject>().Any(v => v.Str("persistentVolumeClaim", "claimName") == key.Name) == true);
            if (!inUse) RemoveFinalizer(GroupVersionResource.PersistentVolumeClaims, key.Namespace, key.Name, PvcStrategy.ProtectionFinalizer);
            return Task.CompletedTask;
        }
        var pv = Rt.GetObject(GroupVersionResource.PersistentVolumes, null, key.Name);
        if (pv is null || pv.Str("metadata", "deletionTimestamp") is null || !HasFinalizer(pv, PvStrategy.ProtectionFinalizer)) return Task.CompletedTask;
        if (pv.Str("status", "phase") != "Bound") RemoveFinalizer(GroupVersionResource.PersistentVolumes, null, key.Name, PvStrategy.ProtectionFinalizer);
        else EnqueueAfter(key, TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }

    private static bool HasFinalizer(JsonObject obj, string f) => obj.Arr("metadata", "finalizers")?.Any(x => JsonTools.Display(x) == f) == true;
}
