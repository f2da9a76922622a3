using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Selectors;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The ReplicaSet controller: keeps spec.replicas active pods (created from the template with a
/// controller ownerReference, named "&lt;rs&gt;-xxxxx"; surplus pods deleted not-ready and newest first),
/// and reports replicas/fullyLabeledReplicas/readyReplicas/availableReplicas/observedGeneration and
/// the ReplicaFailure condition with SuccessfulCreate/SuccessfulDelete/FailedCreate events.
/// </summary>
internal sealed class ReplicaSetController : Controller
{
    public ReplicaSetController(ClusterRuntime rt) : base(rt, "replicaset") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches => [GroupVersionResource.ReplicaSets.GroupResource, GroupVersionResource.Pods.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        if (e.Resource == GroupVersionResource.ReplicaSets.GroupResource) return [Self(e)];
        var pod = (e.Object ?? e.Previous)!.Parse();
        return Owners.Controller(pod) is ("ReplicaSet", var name) ? [new ObjectRef(GroupVersionResource.ReplicaSets.GroupResource, pod.Str("metadata", "namespace")!, name)] : [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var rs = Rt.GetObject(GroupVersionResource.ReplicaSets, key.Namespace, key.Name);
        if (rs is null) return Task.CompletedTask;
        var pods = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
            .Where(p => Owners.IsControlledBy(p, rs)).ToList();
        var active = pods.Where(PodConditions.IsActive).ToList();
        var desired = rs.Long("spec", "replicas") ?? 1;
        var now = Rt.Now;
        string? failure = null;

        if (rs.Str("metadata", "deletionTimestamp") is null)
        {
            var diff = active.Count - desired;
            if (diff < 0)
            {
                for (var i = 0; i < -diff; i++)
                {
                    try
                    {
                        var pod = PodFromTemplate(rs, key.Name + "-" + ClusterRuntime.RandomSuffix());
                        var created = Api.Create(GroupVersionResource.Pods, key.Namespace, pod, Write, new RequestInfo());
                        Rt.Events.Record(rs, "Normal", "SuccessfulCreate", $"Created pod: {created.Str("metadata", "name")}", "replicaset-controller");
                    }
                    catch (KubeApiException e) when (e.Code is 403 or 422 or 404)
                    {
                        failure = e.Message;
                        Rt.Events.Record(rs, "Warning", "FailedCreate", $"Error creating: {e.Message}", "replicaset-controller");
                        break;
                    }
                }
            }
            else if (diff > 0)
            {
                var victims = active
                    .OrderBy(p => string.IsNullOrEmpty(p.Str("spec", "nodeName")) ? 0 : 1)
                    .ThenBy(p => p.Str("status", "phase") == "Pending" ? 0 : 1)
                    .ThenBy(p => PodConditions.IsReady(p) ? 1 : 0)
                    .ThenByDescending(p => p.Str("metadata", "creationTimestamp"), StringComparer.Ordinal)
                    .Take((int)diff);
                foreach (var p in victims)
                {
                    try
                    {
                        Api.Delete(GroupVersionResource.Pods, key.Namespace, p.Str("metadata", "name")!, new DeleteOptions(), new RequestInfo());
                        Rt.Events.Record(rs, "Normal", "SuccessfulDelete", $"Deleted pod: {p.Str("metadata", "name")}", "replicaset-controller");
                    }
                    catch (KubeApiException e) when (e.Code == 404)
                    {
                    }
                }
            }
        }

        // Status from the pods as they are now.
        pods = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
            .Where(p => Owners.IsControlledBy(p, rs) && PodConditions.IsActive(p)).ToList();
        var templateLabels = LabelSelector.FromJson(new JsonObject { ["matchLabels"] = rs.Get("spec", "template", "metadata", "labels")?.DeepClone() ?? new JsonObject() });
        var minReady = rs.Long("spec", "minReadySeconds") ?? 0;
        var updated = rs.CloneObject();
        var status = updated.Ensure("status");
        status["replicas"] = pods.Count;
        status["fullyLabeledReplicas"] = pods.Count(p => templateLabels.Matches(p));
        status["readyReplicas"] = pods.Count(PodConditions.IsReady);
        status["availableReplicas"] = pods.Count(p => PodConditions.IsAvailable(p, minReady, now));
        status["observedGeneration"] = rs.Long("metadata", "generation") ?? 1;
        foreach (var zero in new[] { "readyReplicas", "availableReplicas", "fullyLabeledReplicas" })
        {
            if (status.Long(zero) == 0) status.Remove(zero);
        }
        if (failure is not null)
        {
            PodConditions.Set(updated, "ReplicaFailure", "True", "FailedCreate", failure, now, withProbeTime: false);
            EnqueueAfter(key, TimeSpan.FromSeconds(1));
        }
        else if (status["conditions"] is JsonArray conds)
        {
            conds.Remove(conds.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "ReplicaFailure"));
            if (conds.Count == 0) status.Remove("conditions");
        }
        if (!JsonTools.DeepEquals(updated["status"], rs["status"]))
        {
            Api.Replace(GroupVersionResource.ReplicaSets, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
        }
        if (minReady > 0 && pods.Any(p => PodConditions.IsReady(p) && !PodConditions.IsAvailable(p, minReady, now)))
        {
            EnqueueAfter(key, TimeSpan.FromSeconds(1));
        }
        return Task.CompletedTask;
    }

    /// <summary>A pod from a workload's template, owned by it.</summary>
    public static JsonObject PodFromTemplate(JsonObject owner, string name, string templatePath = "template")
    {
        var template = owner.Obj("spec", templatePath)?.CloneObject() ?? new JsonObject();
        var meta = template.Obj("metadata")?.CloneObject() ?? new JsonObject();
        meta.Remove("name");
        meta.Remove("namespace");
        meta["name"] = name;
        meta["ownerReferences"] = new JsonArray(Owners.ControllerRef(owner));
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = meta,
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }
}
