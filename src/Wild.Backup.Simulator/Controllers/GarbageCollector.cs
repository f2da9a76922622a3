using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The garbage collector: deletes objects whose owners are all gone (background propagation),
/// removes dangling references when some owners remain, handles foreground deletion (deletes the
/// dependents, removes the owner's foregroundDeletion finalizer once no blocking dependents remain)
/// and orphaning (removes the owner's references from dependents, then the orphan finalizer).
/// Owners are matched by uid, kind and name; a namespaced owner must be in the dependent's namespace.
/// </summary>
internal sealed class GarbageCollector : Controller
{
    private readonly object gate = new();
    private readonly Dictionary<string, HashSet<ObjectRef>> dependentsByOwner = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectRef, string[]> ownersOf = new();

    public GarbageCollector(ClusterRuntime rt) : base(rt, "garbage-collector") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches => [null];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var self = Self(e);
        var keys = new List<ObjectRef>();
        lock (gate)
        {
            if (ownersOf.TryGetValue(self, out var previousOwners))
            {
                foreach (var o in previousOwners)
                {
                    if (dependentsByOwner.TryGetValue(o, out var set)) set.Remove(self);
                }
                ownersOf.Remove(self);
            }
            if (e.Type == StoreEventType.Deleted)
            {
                var uid = e.Previous?.Uid ?? e.Object!.Uid;
                if (dependentsByOwner.TryGetValue(uid, out var dependents)) keys.AddRange(dependents);
                foreach (var o in previousOwners ?? [])
                {
                    // A dependent went away: its owners may be waiting for it (foreground deletion).
                    keys.AddRange(OwnerKeys(o));
                }
                return keys;
            }
        }

        var obj = e.Object!.Parse();
        var owners = obj.Arr("metadata", "ownerReferences")?.OfType<JsonObject>().Select(o => o.Str("uid") ?? "").Where(u => u.Length > 0).ToArray() ?? [];
        lock (gate)
        {
            if (owners.Length > 0)
            {
                ownersOf[self] = owners;
                foreach (var o in owners)
                {
                    if (!dependentsByOwner.TryGetValue(o, out var set)) dependentsByOwner[o] = set = new HashSet<ObjectRef>();
                    set.Add(self);
                }
                keys.Add(self);
            }
        }
        if (obj.Str("metadata", "deletionTimestamp") is not null
            && obj.Arr("metadata", "finalizers")?.Any(f => JsonTools.Display(f) is ClusterApi.OrphanFinalizer or ClusterApi.ForegroundFinalizer) == true)
        {
            keys.Add(self);
        }
        return keys;
    }

    private IEnumerable<ObjectRef> OwnerKeys(string uid)
    {
        var owner = Rt.Store.GetByUid(uid);
        return owner is null ? [] : [new ObjectRef(owner.Resource, owner.Namespace, owner.Name)];
    }

    private List<(ObjectRef Ref, JsonObject Obj)> Dependents(string uid)
    {
        List<ObjectRef> refs;
        lock (gate) refs = dependentsByOwner.TryGetValue(uid, out var set) ? set.ToList() : [];
        var result = new List<(ObjectRef, JsonObject)>();
        foreach (var r in refs)
        {
            var stored = Rt.Store.Get(r.Resource, new ObjectKey(r.Namespace, r.Name));
            if (stored is null) continue;
            var obj = stored.Parse();
            if (obj.Arr("metadata", "ownerReferences")?.OfType<JsonObject>().Any(o => o.Str("uid") == uid) == true) result.Add((r, obj));
        }
        return result;
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var stored = Rt.Store.Get(key.Resource, new ObjectKey(key.Namespace, key.Name));
        if (stored is null) return Task.CompletedTask;
        var obj = stored.Parse();
        var gvr = Gvr(key.Resource);
        if (gvr is null) return Task.CompletedTask;
        var ns = key.Namespace.Length == 0 ? null : key.Namespace;
        var finalizers = obj.Arr("metadata", "finalizers")?.Select(JsonTools.Display).ToList() ?? [];
        var deleting = obj.Str("metadata", "deletionTimestamp") is not null;

        if (deleting && finalizers.Contains(ClusterApi.OrphanFinalizer))
        {
            foreach (var (depRef, dep) in Dependents(stored.Uid))
            {
                var remaining = new JsonArray(dep.Arr("metadata", "ownerReferences")!.OfType<JsonObject>()
                    .Where(o => o.Str("uid") != stored.Uid).Select(o => (JsonNode?)o.DeepClone()).ToArray());
                PatchOwners(depRef, remaining);
            }
            RemoveFinalizer(gvr, ns, key.Name, ClusterApi.OrphanFinalizer);
            return Task.CompletedTask;
        }

        if (deleting && finalizers.Contains(ClusterApi.ForegroundFinalizer))
        {
            var blocking = 0;
            foreach (var (depRef, dep) in Dependents(stored.Uid))
            {
                var reference = dep.Arr("metadata", "ownerReferences")!.OfType<JsonObject>().First(o => o.Str("uid") == stored.Uid);
                var blocks = reference.Bool("blockOwnerDeletion") == true;
                if (blocks) blocking++;
                if (dep.Str("metadata", "deletionTimestamp") is not null) continue;
                DeleteDependent(depRef, blocks ? "Foreground" : "Background");
            }
            if (blocking == 0) RemoveFinalizer(gvr, ns, key.Name, ClusterApi.ForegroundFinalizer);
            else EnqueueAfter(key, TimeSpan.FromMilliseconds(500));
            return Task.CompletedTask;
        }

        // Dependent side: are its owners still there?
        var refs = obj.Arr("metadata", "ownerReferences")?.OfType<JsonObject>().ToList() ?? [];
        if (refs.Count == 0 || deleting) return Task.CompletedTask;
        var dangling = new List<JsonObject>();
        var foregroundOwner = false;
        foreach (var r in refs)
        {
            var owner = Rt.Store.GetByUid(r.Str("uid") ?? "");
            var valid = owner is not null && owner.Name == r.Str("name")
                        && Rt.Registry.Find(owner.Resource)?.Kind == r.Str("kind")
                        && (owner.Namespace.Length == 0 || owner.Namespace == key.Namespace);
            if (!valid)
            {
                dangling.Add(r);
                continue;
            }
            var ownerObj = owner!.Parse();
            if (ownerObj.Str("metadata", "deletionTimestamp") is not null
                && ownerObj.Arr("metadata", "finalizers")?.Any(f => JsonTools.Display(f) == ClusterApi.ForegroundFinalizer) == true)
            {
                foregroundOwner = true;
            }
        }
        if (dangling.Count == refs.Count)
        {
            DeleteDependent(key, foregroundOwner ? "Foreground" : "Background");
        }
        else if (dangling.Count > 0)
        {
            var keep = new JsonArray(refs.Where(r => !dangling.Contains(r)).Select(r => (JsonNode?)r.DeepClone()).ToArray());
            PatchOwners(key, keep);
        }
        return Task.CompletedTask;
    }

    private void DeleteDependent(ObjectRef r, string policy)
    {
        if (Gvr(r.Resource) is not { } gvr) return;
        try
        {
            Api.Delete(gvr, r.Namespace.Length == 0 ? null : r.Namespace, r.Name, new DeleteOptions { PropagationPolicy = policy }, new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }

    private void PatchOwners(ObjectRef r, JsonArray owners)
    {
        if (Gvr(r.Resource) is not { } gvr) return;
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = owners.Count == 0 ? null : owners } };
        try
        {
            Api.Patch(gvr, r.Namespace.Length == 0 ? null : r.Namespace, r.Name, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }
}
