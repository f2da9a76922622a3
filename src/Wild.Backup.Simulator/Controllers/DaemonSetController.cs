using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The DaemonSet controller: one pod per eligible node (nodeSelector, node affinity, taints), pinned
/// with a matchFields node-affinity term as the real controller does; rolling update one node at a
/// time; status desired/current/ready/available/updated/misscheduled counts.
/// </summary>
internal sealed class DaemonSetController : Controller
{
    public DaemonSetController(ClusterRuntime rt) : base(rt, "daemonset") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches =>
        [GroupVersionResource.DaemonSets.GroupResource, GroupVersionResource.Pods.GroupResource, GroupVersionResource.Nodes.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var ds = GroupVersionResource.DaemonSets.GroupResource;
        if (e.Resource == ds) return [Self(e)];
        if (e.Resource == GroupVersionResource.Nodes.GroupResource)
        {
            return Rt.Store.List(ds, null).Items.Select(i => new ObjectRef(ds, i.Namespace, i.Name)).ToList();
        }
        var pod = (e.Object ?? e.Previous)!.Parse();
        return Owners.Controller(pod) is ("DaemonSet", var name) ? [new ObjectRef(ds, pod.Str("metadata", "namespace")!, name)] : [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var ds = Rt.GetObject(GroupVersionResource.DaemonSets, key.Namespace, key.Name);
        if (ds is null || ds.Str("metadata", "deletionTimestamp") is not null) return Task.CompletedTask;
        var hash = TemplateHash.Compute(ds.Obj("spec", "template"));
        ControllerRevisions.Ensure(Rt, ds, hash, Write);
        var generation = (ds.Long("spec", "templateGeneration") ?? 1).ToString(CultureInfo.InvariantCulture);
        var nodes = Rt.Store.List(GroupVersionResource.Nodes.GroupResource, null).Items.Select(n => n.Parse()).ToList();
        var pods = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
            .Where(p => Owners.IsControlledBy(p, ds)).ToList();

        var eligible = new List<JsonObject>();
        foreach (var node in nodes)
        {
            var probe = PodFor(ds, node, hash, generation);
            if (NodeAffinity.Fits(probe, node) && NodeAffinity.Tolerates(probe, node)) eligible.Add(node);
        }
        var eligibleNames = eligible.Select(n => n.Str("metadata", "name")!).ToHashSet();
        string? NodeOf(JsonObject pod) => pod.Str("spec", "nodeName")
            ?? pod.Arr("spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")?
                .OfType<JsonObject>().SelectMany(t => t.Arr("matchFields")?.OfType<JsonObject>() ?? []).FirstOrDefault()?.Arr("values")?.Select(JsonTools.Display).FirstOrDefault();

        var live = pods.Where(p => p.Str("metadata", "deletionTimestamp") is null).ToList();
        foreach (var node in eligible)
        {
            var nodeName = node.Str("metadata", "name")!;
            if (live.Any(p => NodeOf(p) == nodeName)) continue;
            if (pods.Any(p => NodeOf(p) == nodeName)) continue; // old pod still terminating
            try
            {
                var created = Api.Create(GroupVersionResource.Pods, key.Namespace, PodFor(ds, node, hash, generation), Write, new RequestInfo());
                Rt.Events.Record(ds, "Normal", "SuccessfulCreate", $"Created pod: {created.Str("metadata", "name")}", "daemonset-controller");
            }
            catch (KubeApiException e) when (e.Code is 403 or 422 or 404)
            {
                Rt.Events.Record(ds, "Warning", "FailedCreate", $"Error creating: {e.Message}", "daemonset-controller");
            }
        }
        foreach (var p in live.Where(p => !eligibleNames.Contains(NodeOf(p) ?? "")))
        {
            Delete(ds, p);
        }
        // Rolling update (maxUnavailable 1): replace one out-of-date pod when all others are ready.
        if (ds.Str("spec", "updateStrategy", "type") != "OnDelete")
        {
            var stale = live.Where(p => p.Str("metadata", "labels", ControllerRevisions.HashLabel) != hash).ToList();
            var unavailable = live.Count(p => !PodConditions.IsReady(p)) + (pods.Count - live.Count);
            if (stale.Count > 0 && unavailable == 0) Delete(ds, stale[0]);
        }

        pods = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
            .Where(p => Owners.IsControlledBy(p, ds) && p.Str("metadata", "deletionTimestamp") is null).ToList();
        var updated = ds.CloneObject();
        var status = updated.Ensure("status");
        var scheduled = pods.Where(p => eligibleNames.Contains(NodeOf(p) ?? "")).ToList();
        status["currentNumberScheduled"] = scheduled.Count;
        status["numberMisscheduled"] = pods.Count - scheduled.Count;
        status["desiredNumberScheduled"] = eligible.Count;
        status["numberReady"] = scheduled.Count(PodConditions.IsReady);
        status["observedGeneration"] = ds.Long("metadata", "generation") ?? 1;
        status["updatedNumberScheduled"] = scheduled.Count(p => p.Str("metadata", "labels", ControllerRevisions.HashLabel) == hash);
        status["numberAvailable"] = scheduled.Count(p => PodConditions.IsAvailable(p, ds.Long("spec", "minReadySeconds") ?? 0, Rt.Now));
        var unavailableCount = eligible.Count - status.Long("numberAvailable")!.Value;
        if (unavailableCount > 0) status["numberUnavailable"] = unavailableCount;
        else status.Remove("numberUnavailable");
        if (status.Long("numberAvailable") == 0) status.Remove("numberAvailable");
        if (!JsonTools.DeepEquals(updated["status"], ds["status"]))
        {
            Api.Replace(GroupVersionResource.DaemonSets, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
        }
        return Task.CompletedTask;
    }

    private void Delete(JsonObject ds, JsonObject pod)
    {
        try
        {
            Api.Delete(GroupVersionResource.Pods, pod.Str("metadata", "namespace"), pod.Str("metadata", "name")!, new DeleteOptions(), new RequestInfo());
            Rt.Events.Record(ds, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Str("metadata", "name")}", "daemonset-controller");
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }

    private static JsonObject PodFor(JsonObject ds, JsonObject node, string hash, string generation)
    {
        var pod = ReplicaSetController.PodFromTemplate(ds, $"{ds.Str("metadata", "name")}-{ClusterRuntime.RandomSuffix()}");
        var labels = pod.Ensure("metadata").Ensure("labels");
        labels[ControllerRevisions.HashLabel] = hash;
        labels["pod-template-generation"] = generation;
        var spec = pod.Ensure("spec");
        var term = new JsonObject
        {
            ["matchFields"] = new JsonArray(new JsonObject
            {
                ["key"] = "metadata.name", ["operator"] = "In", ["values"] = new JsonArray(node.Str("metadata", "name")),
            }),
        };
        spec.Ensure("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")["nodeSelectorTerms"] = new JsonArray(term);
        var tolerations = spec["tolerations"] as JsonArray ?? new JsonArray();
        foreach (var (k, effect) in new[]
                 {
                     ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                     ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                     ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
                 })
        {
            if (!tolerations.OfType<JsonObject>().Any(t => t.Str("key") == k)) tolerations.Add(new JsonObject { ["key"] = k, ["operator"] = "Exists", ["effect"] = effect });
        }
        spec["tolerations"] = tolerations;
        return pod;
    }
}
