using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The StatefulSet controller: pods "&lt;sts&gt;-0..n-1" with stable identity (hostname, subdomain,
/// pod-name/pod-index labels), one PersistentVolumeClaim per volumeClaimTemplate and ordinal
/// ("&lt;template&gt;-&lt;sts&gt;-&lt;i&gt;", kept on scale-down/deletion unless the retention policy says
/// Delete). OrderedReady creates in order, each after the previous is Running and Ready, and
/// removes from the highest ordinal; Parallel does all at once. RollingUpdate replaces pods from the
/// highest ordinal down to the partition, one at a time.
/// </summary>
internal sealed class StatefulSetController : Controller
{
    public StatefulSetController(ClusterRuntime rt) : base(rt, "statefulset") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches => [GroupVersionResource.StatefulSets.GroupResource, GroupVersionResource.Pods.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        if (e.Resource == GroupVersionResource.StatefulSets.GroupResource) return [Self(e)];
        var pod = (e.Object ?? e.Previous)!.Parse();
        return Owners.Controller(pod) is ("StatefulSet", var name) ? [new ObjectRef(GroupVersionResource.StatefulSets.GroupResource, pod.Str("metadata", "namespace")!, name)] : [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var sts = Rt.GetObject(GroupVersionResource.StatefulSets, key.Namespace, key.Name);
        if (sts is null || sts.Str("metadata", "deletionTimestamp") is not null) return Task.CompletedTask;
        var replicas = (int)(sts.Long("spec", "replicas") ?? 1);
        var parallel = sts.Str("spec", "podManagementPolicy") == "Parallel";
        var hash = TemplateHash.Compute(sts.Obj("spec", "template"));
        var updateRevision = ControllerRevisions.Ensure(Rt, sts, hash, Write);
        var pods = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
            .Where(p => Owners.IsControlledBy(p, sts)).ToDictionary(p => p.Str("metadata", "name")!);

        JsonObject? PodAt(int i) => pods.TryGetValue($"{key.Name}-{i}", out var p) ? p : null;
        bool Healthy(JsonObject p) => p.Str("status", "phase") == "Running" && PodConditions.IsReady(p) && p.Str("metadata", "deletionTimestamp") is null;

        var acted = false;
        for (var i = 0; i < replicas; i++)
        {
            var pod = PodAt(i);
            if (pod is null)
            {
                CreatePod(sts, i, updateRevision);
                acted = true;
                if (!parallel) break;
                continue;
            }
            if (pod.Str("status", "phase") is "Failed" or "Succeeded" && pod.Str("metadata", "deletionTimestamp") is null)
            {
                DeletePod(sts, pod);
                acted = true;
                if (!parallel) break;
                continue;
            }
            if (!parallel && !Healthy(pod))
            {
                acted = true;
                break;
            }
        }

        // Scale down: highest ordinal first; OrderedReady waits for the others to be healthy.
        var extras = pods.Values.Where(p => Ordinal(p, key.Name) >= replicas).OrderByDescending(p => Ordinal(p, key.Name)).ToList();
        if (extras.Count > 0 && (parallel || !acted))
        {
            foreach (var p in extras)
            {
                if (p.Str("metadata", "deletionTimestamp") is not null)
                {
                    if (!parallel) break;
                    continue;
                }
                DeletePod(sts, p);
                ApplyScaleDownRetention(sts, Ordinal(p, key.Name));
                if (!parallel) break;
            }
            acted = true;
        }

        // Rolling update: replace the highest out-of-date pod once all are healthy.
        if (!acted && sts.Str("spec", "updateStrategy", "type") != "OnDelete")
        {
            var partition = sts.Long("spec", "updateStrategy", "rollingUpdate", "partition") ?? 0;
            var all = Enumerable.Range(0, replicas).Select(PodAt).ToList();
            if (all.All(p => p is not null && Healthy(p)))
            {
                var stale = all.Select((p, i) => (p: p!, i)).Where(t => t.i >= partition && t.p.Str("metadata", "labels", ControllerRevisions.HashLabel) != updateRevision)
                    .OrderByDescending(t => t.i).FirstOrDefault();
                if (stale.p is not null) DeletePod(sts, stale.p);
            }
        }

        WriteStatus(key, sts, updateRevision);
        return Task.CompletedTask;
    }

    private static int Ordinal(JsonObject pod, string stsName)
    {
        var name = pod.Str("metadata", "name") ?? "";
        return name.StartsWith(stsName + "-", StringComparison.Ordinal) && int.TryParse(name[(stsName.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1;
    }

    private void CreatePod(JsonObject sts, int ordinal, string revision)
    {
        var ns = sts.Str("metadata", "namespace")!;
        var stsName = sts.Str("metadata", "name")!;
        var podName = $"{stsName}-{ordinal}";
        var pod = ReplicaSetController.PodFromTemplate(sts, podName);
        var labels = pod.Ensure("metadata").Ensure("labels");
        labels[ControllerRevisions.HashLabel] = revision;
        labels["statefulset.kubernetes.io/pod-name"] = podName;
        labels["apps.kubernetes.io/pod-index"] = ordinal.ToString(CultureInfo.InvariantCulture);
        var spec = pod.Ensure("spec");
        spec["hostname"] = podName;
        if (sts.Str("spec", "serviceName") is { Length: > 0 } svc) spec["subdomain"] = svc;

        var volumes = spec["volumes"] as JsonArray ?? new JsonArray();
        foreach (var template in sts.Arr("spec", "volumeClaimTemplates")?.OfType<JsonObject>() ?? [])
        {
            var templateName = template.Str("metadata", "name")!;
            var claimName = $"{templateName}-{stsName}-{ordinal}";
            EnsureClaim(sts, template, claimName, podName);
            var existing = volumes.OfType<JsonObject>().FirstOrDefault(v => v.Str("name") == templateName);
            if (existing is not null) volumes.Remove(existing);
            volumes.Add(new JsonObject { ["name"] = templateName, ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = claimName } });
        }
        if (volumes.Count > 0) spec["volumes"] = volumes;
        try
        {
            Api.Create(GroupVersionResource.Pods, ns, pod, Write, new RequestInfo());
            Rt.Events.Record(sts, "Normal", "SuccessfulCreate", $"create Pod {podName} in StatefulSet {stsName} successful", "statefulset-controller");
        }
        catch (KubeApiException e) when (e.Code is 409)
        {
        }
        catch (KubeApiException e) when (e.Code is 403 or 422 or 404)
        {
            Rt.Events.Record(sts, "Warning", "FailedCreate", $"create Pod {podName} in StatefulSet {stsName} failed error: {e.Message}", "statefulset-controller");
        }
    }

    private void EnsureClaim(JsonObject sts, JsonObject template, string claimName, string podName)
    {
        var ns = sts.Str("metadata", "namespace")!;
        if (Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, ns, claimName) is not null) return;
        var labels = template.Obj("metadata", "labels")?.CloneObject() ?? new JsonObject();
        foreach (var (k, v) in sts.Get("spec", "selector", "matchLabels").StringMap()) labels[k] = v;
        var meta = new JsonObject { ["name"] = claimName, ["labels"] = labels };
        if (template.Obj("metadata", "annotations") is { } ann) meta["annotations"] = ann.DeepClone();
        if (sts.Str("spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted") == "Delete")
        {
            var owner = Owners.ControllerRef(sts);
            owner.Remove("controller");
            meta["ownerReferences"] = new JsonArray(owner);
        }
        var claim = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        try
        {
            Api.Create(GroupVersionResource.PersistentVolumeClaims, ns, claim, Write, new RequestInfo());
            Rt.Events.Record(sts, "Normal", "SuccessfulCreate", $"create Claim {claimName} Pod {podName} in StatefulSet {sts.Str("metadata", "name")} success", "statefulset-controller");
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
        }
    }

    private void ApplyScaleDownRetention(JsonObject sts, int ordinal)
    {
        if (sts.Str("spec", "persistentVolumeClaimRetentionPolicy", "whenScaled") != "Delete") return;
        var ns = sts.Str("metadata", "namespace")!;
        foreach (var template in sts.Arr("spec", "volumeClaimTemplates")?.OfType<JsonObject>() ?? [])
        {
            try
            {
                Api.Delete(GroupVersionResource.PersistentVolumeClaims, ns, $"{template.Str("metadata", "name")}-{sts.Str("metadata", "name")}-{ordinal}", new DeleteOptions(), new RequestInfo());
            }
            catch (KubeApiException e) when (e.Code == 404)
            {
            }
        }
    }

    private void DeletePod(JsonObject sts, JsonObject pod)
    {
        var name = pod.Str("metadata", "name")!;
        try
        {
            Api.Delete(GroupVersionResource.Pods, pod.Str("metadata", "namespace"), name, new DeleteOptions(), new RequestInfo());
            Rt.Events.Record(sts, "Normal", "SuccessfulDelete", $"delete Pod {name} in StatefulSet {sts.Str("metadata", "name")} successful", "statefulset-controller");
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }

    private void WriteStatus(ObjectRef key, JsonObject sts, string updateRevision)
    {
        var pods = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
            .Where(p => Owners.IsControlledBy(p, sts) && p.Str("metadata", "deletionTimestamp") is null).ToList();
        var minReady = sts.Long("spec", "minReadySeconds") ?? 0;
        var now = Rt.Now;
        var updated = sts.CloneObject();
        var status = updated.Ensure("status");
        var currentRevision = status.Str("currentRevision") ?? updateRevision;
        var updatedCount = pods.Count(p => p.Str("metadata", "labels", ControllerRevisions.HashLabel) == updateRevision);
        var replicas = sts.Long("spec", "replicas") ?? 1;
        if (updatedCount == pods.Count && pods.Count == replicas) currentRevision = updateRevision;
        status["observedGeneration"] = sts.Long("metadata", "generation") ?? 1;
        status["replicas"] = pods.Count;
        Count(status, "readyReplicas", pods.Count(PodConditions.IsReady));
        Count(status, "currentReplicas", pods.Count(p => p.Str("metadata", "labels", ControllerRevisions.HashLabel) == currentRevision));
        Count(status, "updatedReplicas", updatedCount);
        status["availableReplicas"] = pods.Count(p => PodConditions.IsAvailable(p, minReady, now));
        status["currentRevision"] = currentRevision;
        status["updateRevision"] = updateRevision;
        status["collisionCount"] = 0;
        if (!JsonTools.DeepEquals(updated["status"], sts["status"]))
        {
            Api.Replace(GroupVersionResource.StatefulSets, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
        }
        if (minReady > 0 && pods.Any(p => PodConditions.IsReady(p) && !PodConditions.IsAvailable(p, minReady, now)))
        {
            EnqueueAfter(key, TimeSpan.FromSeconds(1));
        }
    }

    private static void Count(JsonObject status, string field, long value)
    {
        if (value == 0) status.Remove(field);
        else status[field] = value;
    }
}
