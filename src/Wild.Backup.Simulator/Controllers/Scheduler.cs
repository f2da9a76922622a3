using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The default scheduler: binds pending pods to a Ready node that fits (nodeSelector, required node
/// affinity, taints), least-loaded first. A pod whose PersistentVolumeClaims are missing or not yet
/// bound stays Pending with PodScheduled=False/Unschedulable and FailedScheduling events; for
/// WaitForFirstConsumer classes it selects a node on the claim (volume.kubernetes.io/selected-node)
/// and binds the pod once the volume is bound.
/// </summary>
internal sealed class Scheduler : Controller
{
    public const string SelectedNodeAnnotation = "volume.kubernetes.io/selected-node";

    public Scheduler(ClusterRuntime rt) : base(rt, "scheduler") { }

    protected override string FieldManager => "kube-scheduler";

    protected override IEnumerable<GroupResource?> Watches =>
    [
        GroupVersionResource.Pods.GroupResource,
        GroupVersionResource.PersistentVolumeClaims.GroupResource,
        GroupVersionResource.Nodes.GroupResource,
    ];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var pods = GroupVersionResource.Pods.GroupResource;
        if (e.Resource == pods)
        {
            if (e.Type == StoreEventType.Deleted) return [];
            var pod = e.Object!.Parse();
            return string.IsNullOrEmpty(pod.Str("spec", "nodeName")) ? [Self(e)] : [];
        }
        if (e.Type == StoreEventType.Deleted && e.Resource != GroupVersionResource.PersistentVolumeClaims.GroupResource) return [];
        // A claim or node changed: retry the pending pods (of that namespace for claims).
        var ns = e.Resource == GroupVersionResource.PersistentVolumeClaims.GroupResource ? (e.Object ?? e.Previous)!.Namespace : null;
        return Rt.Store.List(pods, ns).Items
            .Where(p => string.IsNullOrEmpty(p.Parse().Str("spec", "nodeName")))
            .Select(p => new ObjectRef(pods, p.Namespace, p.Name)).ToList();
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var pod = Rt.GetObject(GroupVersionResource.Pods, key.Namespace, key.Name);
        if (pod is null || !string.IsNullOrEmpty(pod.Str("spec", "nodeName")) || pod.Str("metadata", "deletionTimestamp") is not null) return Task.CompletedTask;
        if (pod.Str("status", "phase") is "Succeeded" or "Failed") return Task.CompletedTask;
        if ((pod.Str("spec", "schedulerName") ?? "default-scheduler") != "default-scheduler") return Task.CompletedTask;

        var nodes = Rt.Store.List(GroupVersionResource.Nodes.GroupResource, null).Items.Select(n => n.Parse()).ToList();
        var readyNodes = nodes.Where(n => PodConditions.Status(n, "Ready") == "True" && n.Bool("spec", "unschedulable") != true).ToList();

        var waitForConsumer = new List<JsonObject>();
        foreach (var volume in pod.Arr("spec", "volumes")?.OfType<JsonObject>() ?? [])
        {
            var claimName = volume.Str("persistentVolumeClaim", "claimName");
            if (claimName is null) continue;
            var pvc = Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, key.Namespace, claimName);
            if (pvc is null) return Unschedulable(key, pod, nodes.Count, $"persistentvolumeclaim \"{claimName}\" not found");
            if (pvc.Str("metadata", "deletionTimestamp") is not null) return Unschedulable(key, pod, nodes.Count, $"persistentvolumeclaim \"{claimName}\" is being deleted");
            if (pvc.Str("status", "phase") == "Bound") continue;
            var className = pvc.Str("spec", "storageClassName");
            var sc = string.IsNullOrEmpty(className) ? null : Rt.GetObject(GroupVersionResource.StorageClasses, null, className);
            if (sc?.Str("volumeBindingMode") == "WaitForFirstConsumer") waitForConsumer.Add(pvc);
            else return Unschedulable(key, pod, nodes.Count, "pod has unbound immediate PersistentVolumeClaims");
        }

        var fitting = readyNodes.Where(n => NodeAffinity.Fits(pod, n) && NodeAffinity.Tolerates(pod, n)).ToList();
        if (fitting.Count == 0)
        {
            var reason = readyNodes.Count == 0 ? $"{nodes.Count} node(s) were unschedulable" : $"{readyNodes.Count} node(s) didn't match Pod's node affinity/selector";
            return Unschedulable(key, pod, nodes.Count, reason);
        }
        var load = Rt.Store.List(GroupVersionResource.Pods.GroupResource, null).Items
            .Select(p => p.Parse().Str("spec", "nodeName")).Where(n => n is not null).GroupBy(n => n!).ToDictionary(g => g.Key, g => g.Count());
        var node = fitting.OrderBy(n => load.GetValueOrDefault(n.Str("metadata", "name")!)).ThenBy(n => n.Str("metadata", "name"), StringComparer.Ordinal).First();
        var nodeName = node.Str("metadata", "name")!;

        if (waitForConsumer.Count > 0)
        {
            foreach (var pvc in waitForConsumer)
            {
                if (pvc.Str("metadata", "annotations", SelectedNodeAnnotation) is null)
                {
                    var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [SelectedNodeAnnotation] = nodeName } } };
                    Api.Patch(GroupVersionResource.PersistentVolumeClaims, key.Namespace, pvc.Str("metadata", "name")!, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
                }
            }
            // The binder provisions for the selected node; the claim's update requeues this pod.
            EnqueueAfter(key, TimeSpan.FromSeconds(1));
            return Task.CompletedTask;
        }

        Api.PostSubresource(GroupVersionResource.Pods, key.Namespace, key.Name, "binding", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Binding",
            ["metadata"] = new JsonObject { ["name"] = key.Name, ["namespace"] = key.Namespace },
            ["target"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = nodeName },
        }, Write, new RequestInfo());
        Rt.Events.Record(pod, "Normal", "Scheduled", $"Successfully assigned {key.Namespace}/{key.Name} to {nodeName}", "default-scheduler");
        return Task.CompletedTask;
    }

    private Task Unschedulable(ObjectRef key, JsonObject pod, int nodeCount, string reason)
    {
        var message = $"0/{nodeCount} nodes are available: {reason}. preemption: 0/{nodeCount} nodes are available: {nodeCount} Preemption is not helpful for scheduling.";
        var updated = pod.CloneObject();
        if (PodConditions.Set(updated, "PodScheduled", "False", "Unschedulable", message, Rt.Now))
        {
            Api.Replace(GroupVersionResource.Pods, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
        }
        Rt.Events.Record(pod, "Warning", "FailedScheduling", message, "default-scheduler");
        EnqueueAfter(key, TimeSpan.FromSeconds(2));
        return Task.CompletedTask;
    }
}
