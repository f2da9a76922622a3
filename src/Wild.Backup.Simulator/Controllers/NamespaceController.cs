using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The namespace controller: for a namespace being deleted (phase Terminating), deletes everything
/// in it, reports what remains in the namespace's conditions (content and finalizers remaining), and
/// once it is empty removes the "kubernetes" finalizer through /finalize, which deletes the namespace.
/// </summary>
internal sealed class NamespaceController : Controller
{
    public NamespaceController(ClusterRuntime rt) : base(rt, "namespace") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches => [null];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var ns = GroupVersionResource.Namespaces.GroupResource;
        if (e.Resource == ns) return [Self(e)];
        var o = e.Object ?? e.Previous;
        if (e.Type == StoreEventType.Deleted && o is { Namespace.Length: > 0 }) return [new ObjectRef(ns, "", o.Namespace)];
        return [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var nsObj = Rt.GetObject(GroupVersionResource.Namespaces, null, key.Name);
        if (nsObj is null || nsObj.Str("metadata", "deletionTimestamp") is null) return Task.CompletedTask;
        var name = key.Name;

        var remaining = new Dictionary<string, int>(StringComparer.Ordinal);
        var finalizers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var type in Rt.Registry.All.Where(t => t.Namespaced).OrderBy(t => t.Plural, StringComparer.Ordinal))
        {
            var (items, _) = Rt.Store.List(type.GroupResource, name);
            if (items.Count == 0) continue;
            remaining[type.Group.Length == 0 ? type.Plural + "." : type.Plural + "." + type.Group] = items.Count;
            var gvr = new GroupVersionResource(type.Group, type.StorageVersion, type.Plural);
            foreach (var item in items)
            {
                var obj = item.Parse();
                foreach (var f in obj.Arr("metadata", "finalizers")?.Select(JsonTools.Display) ?? [])
                {
                    finalizers[f] = finalizers.GetValueOrDefault(f) + 1;
                }
                if (obj.Str("metadata", "deletionTimestamp") is not null) continue;
                try
                {
                    Api.Delete(gvr, name, item.Name, new DeleteOptions { PropagationPolicy = "Background" }, new RequestInfo());
                }
                catch (KubeApiException e) when (e.Code == 404)
                {
                }
            }
        }

        var now = Rt.Now;
        var current = nsObj.CloneObject();
        PodConditions.Set(current, "NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered", now, withProbeTime: false);
        PodConditions.Set(current, "NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed", now, withProbeTime: false);
        PodConditions.Set(current, "NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization", now, withProbeTime: false);
        if (remaining.Count > 0)
        {
            PodConditions.Set(current, "NamespaceContentRemaining", "True", "SomeResourcesRemain",
                "Some resources are remaining: " + string.Join(", ", remaining.Select(r => $"{r.Key} has {r.Value} resource instances")), now, withProbeTime: false);
        }
        else
        {
            PodConditions.Set(current, "NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed", now, withProbeTime: false);
        }
        if (finalizers.Count > 0)
        {
            PodConditions.Set(current, "NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                "Some content in the namespace has finalizers remaining: " + string.Join(", ", finalizers.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} in {f.Value} resource instances")), now, withProbeTime: false);
        }
        else
        {
            PodConditions.Set(current, "NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers", "All content-preserving finalizers finished", now, withProbeTime: false);
        }
        if (!JsonTools.DeepEquals(current["status"], nsObj["status"]))
        {
            current = Api.Replace(GroupVersionResource.Namespaces, null, name, current, "status", Write, new RequestInfo());
        }

        if (remaining.Count > 0)
        {
            EnqueueAfter(key, TimeSpan.FromMilliseconds(250));
            return Task.CompletedTask;
        }
        var specFinalizers = current.Arr("spec", "finalizers")?.Select(JsonTools.Display).ToList() ?? [];
        if (specFinalizers.Contains("kubernetes"))
        {
            var finalize = current.CloneObject();
            finalize.Ensure("spec")["finalizers"] = new JsonArray(specFinalizers.Where(f => f != "kubernetes").Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
            Api.Replace(GroupVersionResource.Namespaces, null, name, finalize, "finalize", Write, new RequestInfo());
        }
        return Task.CompletedTask;
    }
}
