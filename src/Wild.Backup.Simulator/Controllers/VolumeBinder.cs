using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Provisioning;
using Wild.Backup.Simulator.Selectors;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// PersistentVolume controller plus external provisioner and resizer. Claims bind to a pre-bound or
/// matching Available volume (class, access modes, size, volume mode, selector; smallest fit), or
/// are provisioned dynamically through the <see cref="IVolumeProvisioner"/> registered for their
/// StorageClass's provisioner (WaitForFirstConsumer waits for the scheduler's selected node). Volumes
/// move Pending → Available → Bound → Released, and released ones are deleted through their
/// provisioner (reclaimPolicy Delete) or kept (Retain). Bound claims grow when their class allows
/// expansion. Events as the real controllers record them.
/// </summary>
internal sealed class VolumeBinder : Controller
{
    public const string BindCompleted = "pv.kubernetes.io/bind-completed";
    public const string BoundByController = "pv.kubernetes.io/bound-by-controller";
    public const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";
    public const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";
    public const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";

    private static readonly GroupResource Pvcs = GroupVersionResource.PersistentVolumeClaims.GroupResource;
    private static readonly GroupResource Pvs = GroupVersionResource.PersistentVolumes.GroupResource;

    public VolumeBinder(ClusterRuntime rt) : base(rt, "persistentvolume-binder") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches => [Pvcs, Pvs, GroupVersionResource.StorageClasses.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var o = (e.Object ?? e.Previous)!;
        if (e.Resource == Pvcs)
        {
            var keys = new List<ObjectRef> { Self(e) };
            // A deleted claim releases its volume.
            if (e.Type == StoreEventType.Deleted && e.Previous!.Parse().Str("spec", "volumeName") is { Length: > 0 } vn) keys.Add(new ObjectRef(Pvs, "", vn));
            return keys;
        }
        if (e.Resource == Pvs)
        {
            var keys = new List<ObjectRef>();
            if (e.Type != StoreEventType.Deleted) keys.Add(Self(e));
            var pv = o.Parse();
            if (pv.Str("spec", "claimRef", "name") is { } claim) keys.Add(new ObjectRef(Pvcs, pv.Str("spec", "claimRef", "namespace") ?? "", claim));
            // A new Available volume may satisfy any pending claim.
            keys.AddRange(PendingClaims());
            return keys;
        }
        return PendingClaims();
    }

    private List<ObjectRef> PendingClaims()
        => Rt.Store.List(Pvcs, null).Items.Where(i => i.Parse().Str("status", "phase") == "Pending")
            .Select(i => new ObjectRef(Pvcs, i.Namespace, i.Name)).ToList();

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
        => key.Resource == Pvs ? SyncVolumeAsync(key, cancellationToken) : SyncClaimAsync(key, cancellationToken);

    private static long Size(JsonNode? node, params string[] path) => (long)(Quantity.Parse(node.Str(path)) ?? 0);

    private async Task SyncClaimAsync(ObjectRef key, CancellationToken ct)
    {
        var pvc = Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, key.Namespace, key.Name);
        if (pvc is null || pvc.Str("metadata", "deletionTimestamp") is not null) return;
        var volumeName = pvc.Str("spec", "volumeName");
        if (!string.IsNullOrEmpty(volumeName))
        {
            await SyncBoundClaimAsync(key, pvc, volumeName, ct).ConfigureAwait(false);
            return;
        }

        var className = pvc.Str("spec", "storageClassName") ?? "";
        var pv = FindVolume(pvc, className);
        if (pv is not null)
        {
            Bind(pv, pvc);
            return;
        }
        if (className.Length == 0)
        {
            Rt.Events.Record(pvc, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set", "persistentvolume-controller");
            return;
        }
        var sc = Rt.GetObject(GroupVersionResource.StorageClasses, null, className);
        if (sc is null)
        {
            Rt.Events.Record(pvc, "Warning", "ProvisioningFailed", $"storageclass.storage.k8s.io \"{className}\" not found", "persistentvolume-controller");
            return;
        }
        var selectedNode = pvc.Str("metadata", "annotations", Scheduler.SelectedNodeAnnotation);
        if (sc.Str("volumeBindingMode") == "WaitForFirstConsumer" && selectedNode is null)
        {
            Rt.Events.Record(pvc, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding", "persistentvolume-controller");
            return;
        }
        var provisionerName = sc.Str("provisioner") ?? "";
        if (pvc.Str("metadata", "annotations", StorageProvisioner) != provisionerName)
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["annotations"] = new JsonObject { [BetaStorageProvisioner] = provisionerName, [StorageProvisioner] = provisionerName },
                },
            };
            pvc = Api.Patch(GroupVersionResource.PersistentVolumeClaims, key.Namespace, key.Name, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
        }
        var provisioner = Rt.Provisioners.Find(provisionerName);
        var pvName = $"pvc-{pvc.Str("metadata", "uid")}";
        if (Rt.GetObject(GroupVersionResource.PersistentVolumes, null, pvName) is not null) return;
        if (provisioner is null)
        {
            Rt.Events.Record(pvc, "Normal", "ExternalProvisioning",
                $"Waiting for a volume to be created either by the external provisioner '{provisionerName}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
                "persistentvolume-controller");
            EnqueueAfter(key, TimeSpan.FromSeconds(2));
            return;
        }

        var component = $"{provisionerName}_csi-provisioner";
        Rt.Events.Record(pvc, "Normal", "Provisioning", $"External provisioner is provisioning volume for claim \"{key.Namespace}/{key.Name}\"", component);
        var request = Size(pvc, "spec", "resources", "requests", "storage");
        var parameters = sc.Get("parameters").StringMap();
        var draft = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = pvName,
                ["annotations"] = new JsonObject { [ProvisionedBy] = provisionerName, ["volume.kubernetes.io/provisioner-deletion-secret-name"] = "", ["volume.kubernetes.io/provisioner-deletion-secret-namespace"] = "" },
            },
            ["spec"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["storage"] = pvc.Str("spec", "resources", "requests", "storage") },
                ["accessModes"] = pvc.Get("spec", "accessModes")?.DeepClone(),
                ["volumeMode"] = pvc.Str("spec", "volumeMode") ?? "Filesystem",
                ["persistentVolumeReclaimPolicy"] = sc.Str("reclaimPolicy") ?? "Delete",
                ["storageClassName"] = className,
                ["claimRef"] = ClaimRef(pvc),
            },
        };
        if (sc["mountOptions"] is { } mo) draft.Obj("spec")!["mountOptions"] = mo.DeepClone();
        try
        {
            await provisioner.ProvisionAsync(new ProvisionRequest
            {
                Claim = pvc.CloneObject(),
                StorageClass = sc.CloneObject(),
                PersistentVolume = draft,
                VolumeName = pvName,
                CapacityBytes = request,
                SelectedNode = selectedNode,
                Parameters = parameters,
                Api = Api,
            }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Rt.Events.Record(pvc, "Warning", "ProvisioningFailed", $"failed to provision volume with StorageClass \"{className}\": {e.Message}", component);
            EnqueueAfter(key, TimeSpan.FromSeconds(1));
            return;
        }
        try
        {
            Api.Create(GroupVersionResource.PersistentVolumes, null, draft, new WriteOptions { FieldManager = "csi-provisioner" }, new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
        }
        Rt.Events.Record(pvc, "Normal", "ProvisioningSucceeded", $"Successfully provisioned volume {pvName}", component);
    }

    private async Task SyncBoundClaimAsync(ObjectRef key, JsonObject pvc, string volumeName, CancellationToken ct)
    {
        var pv = Rt.GetObject(GroupVersionResource.PersistentVolumes, null, volumeName);
        if (pv is null)
        {
            if (pvc.Str("status", "phase") == "Bound")
            {
                var lost = pvc.CloneObject();
                lost.Ensure("status")["phase"] = "Lost";
                Api.Replace(GroupVersionResource.PersistentVolumeClaims, key.Namespace, key.Name, lost, "status", Write, new RequestInfo());
                Rt.Events.Record(pvc, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!", "persistentvolume-controller");
            }
            return;
        }
        var claimRef = pv.Obj("spec", "claimRef");
        if (claimRef is not null && (claimRef.Str("name") != key.Name || claimRef.Str("namespace") != key.Namespace
                                     || (claimRef.Str("uid") is { Length: > 0 } u && u != pvc.Str("metadata", "uid"))))
        {
            Rt.Events.Record(pvc, "Warning", "FailedBinding", $"volume \"{volumeName}\" already bound to a different claim.", "persistentvolume-controller");
            return;
        }
        if (claimRef is null && !Compatible(pv, pvc, pvc.Str("spec", "storageClassName") ?? "", out var why))
        {
            Rt.Events.Record(pvc, "Warning", "FailedBinding", $"Cannot bind to requested volume \"{volumeName}\": {why}", "persistentvolume-controller");
            return;
        }
        Bind(pv, pvc);
        await ExpandAsync(key, Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, key.Namespace, key.Name)!, ct).ConfigureAwait(false);
    }

    private async Task ExpandAsync(ObjectRef key, JsonObject pvc, CancellationToken ct)
    {
        var requested = Size(pvc, "spec", "resources", "requests", "storage");
        var capacity = Size(pvc, "status", "capacity", "storage");
        if (pvc.Str("status", "phase") != "Bound" || requested <= capacity || capacity == 0) return;
        var pv = Rt.GetObject(GroupVersionResource.PersistentVolumes, null, pvc.Str("spec", "volumeName")!)!;
        var provisionerName = pv.Str("metadata", "annotations", ProvisionedBy) ?? "";
        var component = $"external-resizer {provisionerName}";
        Rt.Events.Record(pvc, "Normal", "Resizing", $"External resizer is resizing volume {pv.Str("metadata", "name")}", component);
        if (Rt.Provisioners.Find(provisionerName) is { } provisioner)
        {
            await provisioner.ExpandAsync(new ExpandVolumeRequest { PersistentVolume = pv.CloneObject(), Claim = pvc.CloneObject(), NewCapacityBytes = requested, Api = Api }, ct).ConfigureAwait(false);
        }
        var newSize = pvc.Str("spec", "resources", "requests", "storage");
        Api.Patch(GroupVersionResource.PersistentVolumes, null, pv.Str("metadata", "name")!, PatchType.Merge,
            new JsonObject { ["spec"] = new JsonObject { ["capacity"] = new JsonObject { ["storage"] = newSize } } }.ToJson(), null, Write, new RequestInfo());
        var grown = pvc.CloneObject();
        grown.Ensure("status", "capacity")["storage"] = newSize;
        Api.Replace(GroupVersionResource.PersistentVolumeClaims, key.Namespace, key.Name, grown, "status", Write, new RequestInfo());
        Rt.Events.Record(pvc, "Normal", "VolumeResizeSuccessful", $"resize volume \"{pv.Str("metadata", "name")}\" by resizer \"{provisionerName}\" succeeded", component);
    }

    private JsonObject? FindVolume(JsonObject pvc, string className)
    {
        var uid = pvc.Str("metadata", "uid");
        var ns = pvc.Str("metadata", "namespace");
        var name = pvc.Str("metadata", "name");
        var volumes = Rt.Store.List(Pvs, null).Items.Select(i => i.Parse()).Where(v => v.Str("metadata", "deletionTimestamp") is null).ToList();
        var preBound = volumes.FirstOrDefault(v => v.Str("spec", "claimRef", "name") == name && v.Str("spec", "claimRef", "namespace") == ns
                                                  && (string.IsNullOrEmpty(v.Str("spec", "claimRef", "uid")) || v.Str("spec", "claimRef", "uid") == uid)
                                                  && v.Str("status", "phase") is not ("Released" or "Failed"));
        if (preBound is not null) return Compatible(preBound, pvc, className, out _) ? preBound : null;
        return volumes.Where(v => v.Obj("spec", "claimRef") is null && v.Str("status", "phase") == "Available" && Compatible(v, pvc, className, out _))
            .OrderBy(v => Size(v, "spec", "capacity", "storage")).FirstOrDefault();
    }

    private static bool Compatible(JsonObject pv, JsonObject pvc, string className, out string why)
    {
        why = "";
        if ((pv.Str("spec", "storageClassName") ?? "") != className)
        {
            why = "storageClassName does not match";
            return false;
        }
        var modes = pv.Arr("spec", "accessModes")?.Select(JsonTools.Display).ToHashSet() ?? [];
        if (pvc.Arr("spec", "accessModes")?.Select(JsonTools.Display).Any(m => !modes.Contains(m)) == true)
        {
            why = "incompatible accessMode";
            return false;
        }
        if (Size(pv, "spec", "capacity", "storage") < Size(pvc, "spec", "resources", "requests", "storage"))
        {
            why = "requested PV is too small";
            return false;
        }
        if ((pv.Str("spec", "volumeMode") ?? "Filesystem") != (pvc.Str("spec", "volumeMode") ?? "Filesystem"))
        {
            why = "incompatible volumeMode";
            return false;
        }
        if (pvc.Obj("spec", "selector") is { } selector && !LabelSelector.FromJson(selector).Matches(pv))
        {
            why = "volume labels do not match the claim's selector";
            return false;
        }
        return true;
    }

    private static JsonObject ClaimRef(JsonObject pvc) => new()
    {
        ["kind"] = "PersistentVolumeClaim",
        ["namespace"] = pvc.Str("metadata", "namespace"),
        ["name"] = pvc.Str("metadata", "name"),
        ["uid"] = pvc.Str("metadata", "uid"),
        ["apiVersion"] = "v1",
        ["resourceVersion"] = pvc.Str("metadata", "resourceVersion"),
    };

    /// <summary>Binds volume and claim: claimRef and phase Bound on the volume, volumeName, annotations and status on the claim.</summary>
    private void Bind(JsonObject pv, JsonObject pvc)
    {
        var pvName = pv.Str("metadata", "name")!;
        var ns = pvc.Str("metadata", "namespace")!;
        var claimName = pvc.Str("metadata", "name")!;
        if (pv.Obj("spec", "claimRef") is not { } existing || existing.Str("uid") != pvc.Str("metadata", "uid"))
        {
            var boundByController = pv.Obj("spec", "claimRef") is null;
            var patch = new JsonObject { ["spec"] = new JsonObject { ["claimRef"] = ClaimRef(pvc) } };
            if (boundByController) patch["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [BoundByController] = "yes" } };
            pv = Api.Patch(GroupVersionResource.PersistentVolumes, null, pvName, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
        }
        if (pv.Str("status", "phase") != "Bound")
        {
            var status = pv.CloneObject();
            status["status"] = new JsonObject { ["phase"] = "Bound", ["lastPhaseTransitionTime"] = JsonTools.Timestamp(Rt.Now) };
            Api.Replace(GroupVersionResource.PersistentVolumes, null, pvName, status, "status", Write, new RequestInfo());
        }
        if (pvc.Str("spec", "volumeName") != pvName || pvc.Str("metadata", "annotations", BindCompleted) != "yes")
        {
            var annotations = new JsonObject { [BindCompleted] = "yes" };
            if (string.IsNullOrEmpty(pvc.Str("spec", "volumeName"))) annotations[BoundByController] = "yes";
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = annotations },
                ["spec"] = new JsonObject { ["volumeName"] = pvName },
            };
            pvc = Api.Patch(GroupVersionResource.PersistentVolumeClaims, ns, claimName, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
        }
        if (pvc.Str("status", "phase") != "Bound")
        {
            var bound = pvc.CloneObject();
            bound["status"] = new JsonObject
            {
                ["phase"] = "Bound",
                ["accessModes"] = pv.Get("spec", "accessModes")?.DeepClone(),
                ["capacity"] = pv.Get("spec", "capacity")?.DeepClone(),
            };
            Api.Replace(GroupVersionResource.PersistentVolumeClaims, ns, claimName, bound, "status", Write, new RequestInfo());
        }
    }

    private async Task SyncVolumeAsync(ObjectRef key, CancellationToken ct)
    {
        var pv = Rt.GetObject(GroupVersionResource.PersistentVolumes, null, key.Name);
        if (pv is null || pv.Str("metadata", "deletionTimestamp") is not null) return;
        var phase = pv.Str("status", "phase");
        var claimRef = pv.Obj("spec", "claimRef");
        if (claimRef is null)
        {
            if (phase != "Available") SetPhase(pv, "Available", null);
            return;
        }
        var pvc = Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, claimRef.Str("namespace"), claimRef.Str("name") ?? "");
        var uid = claimRef.Str("uid");
        var claimPresent = pvc is not null && (string.IsNullOrEmpty(uid) || uid == pvc.Str("metadata", "uid"));
        if (claimPresent)
        {
            if (phase is null or "Pending") SetPhase(pv, "Available", null);
            Enqueue(new ObjectRef(Pvcs, claimRef.Str("namespace") ?? "", claimRef.Str("name") ?? ""));
            return;
        }
        if (string.IsNullOrEmpty(uid) && phase is not ("Bound" or "Released")) return; // pre-bound to a claim that does not exist yet
        if (phase is "Released" or "Failed" && pv.Str("spec", "persistentVolumeReclaimPolicy") != "Delete") return;
        var policy = pv.Str("spec", "persistentVolumeReclaimPolicy") ?? "Retain";
        if (phase != "Released" && phase != "Failed") pv = SetPhase(pv, "Released", null);
        if (policy == "Retain") return;
        if (policy == "Recycle")
        {
            SetPhase(pv, "Failed", "Recycle is not supported by the simulator");
            Rt.Events.Record(pv, "Warning", "VolumeFailedRecycle", "Recycle is not supported", "persistentvolume-controller");
            return;
        }
        var provisionerName = pv.Str("metadata", "annotations", ProvisionedBy);
        var provisioner = provisionerName is null ? null : Rt.Provisioners.Find(provisionerName);
        if (provisioner is null)
        {
            if (phase != "Failed")
            {
                SetPhase(pv, "Failed", "error getting deleter volume plugin for volume \"" + key.Name + "\": no deletable volume plugin matched");
                Rt.Events.Record(pv, "Warning", "VolumeFailedDelete", "error getting deleter volume plugin for volume \"" + key.Name + "\": no deletable volume plugin matched", "persistentvolume-controller");
            }
            return;
        }
        try
        {
            await provisioner.DeleteAsync(new DeleteVolumeRequest { PersistentVolume = pv.CloneObject(), Api = Api }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Rt.Events.Record(pv, "Warning", "VolumeFailedDelete", e.Message, $"{provisionerName}_csi-provisioner");
            EnqueueAfter(key, TimeSpan.FromSeconds(2));
            return;
        }
        try
        {
            Api.Delete(GroupVersionResource.PersistentVolumes, null, key.Name, new DeleteOptions(), new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }

    private JsonObject SetPhase(JsonObject pv, string phase, string? message)
    {
        var updated = pv.CloneObject();
        var status = new JsonObject { ["phase"] = phase, ["lastPhaseTransitionTime"] = JsonTools.Timestamp(Rt.Now) };
        if (message is not null) status["message"] = message;
        updated["status"] = status;
        return Api.Replace(GroupVersionResource.PersistentVolumes, null, pv.Str("metadata", "name")!, updated, "status", Write, new RequestInfo());
    }
}
