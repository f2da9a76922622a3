using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Storage;

/// <summary>
/// The simulated etcd: every object of every resource, one global monotonically increasing
/// resourceVersion, a bounded event history (for watches and consistent paginated lists at an older
/// revision) and live watch subscriptions. All writes are serialized by one lock; stored revisions
/// are immutable byte arrays, so readers never share mutable state.
/// </summary>
internal sealed class ObjectStore
{
    private readonly object gate = new();
    private readonly Dictionary<GroupResource, SortedDictionary<ObjectKey, StoredObject>> data = new();
    private readonly Dictionary<string, StoredObject> byUid = new(StringComparer.Ordinal);
    private readonly List<StoreEvent> history = new();
    private readonly List<WatchSubscription> subscriptions = new();
    private readonly int historyLimit;
    private long resourceVersion;
    private long historyFloor;

    public ObjectStore(int historyLimit, long initialResourceVersion = 0)
    {
        this.historyLimit = Math.Max(16, historyLimit);
        resourceVersion = initialResourceVersion;
        historyFloor = initialResourceVersion;
    }

    public long CurrentResourceVersion
    {
        get { lock (gate) return resourceVersion; }
    }

    /// <summary>Oldest resourceVersion from which history is still complete (older → 410 Gone).</summary>
    public long HistoryFloor
    {
        get { lock (gate) return historyFloor; }
    }

    public StoredObject? Get(GroupResource resource, ObjectKey key)
    {
        lock (gate)
        {
            return data.TryGetValue(resource, out var items) && items.TryGetValue(key, out var o) ? o : null;
        }
    }

    public StoredObject? GetByUid(string uid)
    {
        lock (gate) return byUid.TryGetValue(uid, out var o) ? o : null;
    }

    /// <summary>Current objects of a resource (optionally one namespace), in key order, with the revision read.</summary>
    public (List<StoredObject> Items, long ResourceVersion) List(GroupResource resource, string? ns)
    {
        lock (gate)
        {
            var result = new List<StoredObject>();
            if (data.TryGetValue(resource, out var items))
            {
                result.AddRange(ns is null ? items.Values : items.Values.Where(o => o.Namespace == ns));
            }
            return (result, resourceVersion);
        }
    }

    /// <summary>
    /// The objects as they were at <paramref name="atResourceVersion"/>, rebuilt from the event history;
    /// throws 410 Expired when that revision has been compacted away.
    /// </summary>
    public List<StoredObject> ListAt(GroupResource resource, string? ns, long atResourceVersion)
    {
        lock (gate)
        {
            if (atResourceVersion > resourceVersion) throw new InvalidOperationException("revision in the future");
            if (atResourceVersion < historyFloor)
            {
                throw Errors.Gone($"The resourceVersion for the provided list is too old.");
            }
            var state = new SortedDictionary<ObjectKey, StoredObject>();
            if (data.TryGetValue(resource, out var items))
            {
                foreach (var (k, v) in items) state[k] = v;
            }
            for (var i = history.Count - 1; i >= 0 && history[i].ResourceVersion > atResourceVersion; i--)
            {
                var e = history[i];
                if (e.Resource != resource) continue;
                var key = (e.Object ?? e.Previous)!.Key;
                switch (e.Type)
                {
                    case StoreEventType.Added:
                        state.Remove(key);
                        break;
                    case StoreEventType.Modified:
                    case StoreEventType.Deleted:
                        state[key] = e.Previous!;
                        break;
                }
            }
            return ns is null ? state.Values.ToList() : state.Values.Where(o => o.Namespace == ns).ToList();
        }
    }

    /// <summary>Resources that currently hold at least one object.</summary>
    public List<GroupResource> NonEmptyResources()
    {
        lock (gate) return data.Where(p => p.Value.Count > 0).Select(p => p.Key).ToList();
    }

    /// <summary>Stores a new object; <paramref name="obj"/> gets its resourceVersion and is owned by the store afterwards.</summary>
    public StoredObject Create(GroupResource resource, ObjectKey key, string uid, JsonObject obj)
    {
        lock (gate)
        {
            var items = Items(resource);
            if (items.ContainsKey(key)) throw Errors.AlreadyExists(resource.Group, resource.Resource, key.Name);
            var stored = Stamp(resource, key, uid, obj);
            items[key] = stored;
            byUid[uid] = stored;
            Publish(new StoreEvent(StoreEventType.Added, stored.ResourceVersion, resource, stored, null));
            return stored;
        }
    }

    /// <summary>Replaces an object if its current revision is <paramref name="expectedResourceVersion"/>; 409 otherwise.</summary>
    public StoredObject Update(GroupResource resource, ObjectKey key, JsonObject obj, long expectedResourceVersion)
    {
        lock (gate)
        {
            var items = Items(resource);
            if (!items.TryGetValue(key, out var current)) throw Errors.NotFound(resource.Group, resource.Resource, key.Name);
            if (current.ResourceVersion != expectedResourceVersion)
            {
                throw Errors.StaleResourceVersion(resource.Group, resource.Resource, key.Name);
            }
            var stored = Stamp(resource, key, current.Uid, obj);
            items[key] = stored;
            byUid[stored.Uid] = stored;
            Publish(new StoreEvent(StoreEventType.Modified, stored.ResourceVersion, resource, stored, current));
            return stored;
        }
    }

    /// <summary>Removes an object (optionally only at a given revision); returns its final state stamped with the deletion revision.</summary>
    public StoredObject Delete(GroupResource resource, ObjectKey key, long? expectedResourceVersion)
    {
        lock (gate)
        {
            var items = Items(resource);
            if (!items.TryGetValue(key, out var current)) throw Errors.NotFound(resource.Group, resource.Resource, key.Name);
            if (expectedResourceVersion is { } expected && expected != current.ResourceVersion)
            {
                throw Errors.StaleResourceVersion(resource.Group, resource.Resource, key.Name);
            }
            items.Remove(key);
            byUid.Remove(current.Uid);
            var final = Stamp(resource, key, current.Uid, current.Parse());
            Publish(new StoreEvent(StoreEventType.Deleted, final.ResourceVersion, resource, final, current));
            return final;
        }
    }

    /// <summary>
    /// Subscribes to changes. With <paramref name="fromResourceVersion"/> null the subscription first
    /// receives a synthetic ADDED for every current object (the "unset/0" watch semantics); otherwise
    /// it replays history after that revision, or throws 410 Expired when it is too old.
    /// </summary>
    public WatchSubscription Subscribe(GroupResource? resource, string? ns, long? fromResourceVersion, bool initialEventsEndBookmark = false)
    {
        lock (gate)
        {
            var sub = new WatchSubscription(this, resource, ns);
            if (fromResourceVersion is null)
            {
                IEnumerable<KeyValuePair<GroupResource, SortedDictionary<ObjectKey, StoredObject>>> sources =
                    resource is { } r ? data.Where(p => p.Key == r) : data;
                foreach (var (gr, items) in sources)
                {
                    foreach (var o in items.Values)
                    {
                        if (ns is not null && o.Namespace != ns) continue;
                        sub.Deliver(new StoreEvent(StoreEventType.Added, o.ResourceVersion, gr, o, null));
                    }
                }
                if (initialEventsEndBookmark)
                {
                    sub.Deliver(new StoreEvent(StoreEventType.Bookmark, resourceVersion, resource ?? default, null, null, InitialEventsEnd: true));
                }
            }
            else
            {
                var from = fromResourceVersion.Value;
                if (from < historyFloor)
                {
                    throw Errors.Gone($"too old resource version: {from} ({resourceVersion})");
                }
                foreach (var e in history)
                {
                    if (e.ResourceVersion > from && sub.Matches(e)) sub.Deliver(e);
                }
            }
            subscriptions.Add(sub);
            return sub;
        }
    }

    /// <summary>Queues a BOOKMARK carrying the current revision behind every event already delivered to the subscription.</summary>
    public void RequestBookmark(WatchSubscription sub)
    {
        lock (gate)
        {
            if (subscriptions.Contains(sub))
            {
                sub.Deliver(new StoreEvent(StoreEventType.Bookmark, resourceVersion, sub.Resource ?? default, null, null));
            }
        }
    }

    /// <summary>Forgets all history (like etcd compaction): older resourceVersions now answer 410 Gone.</summary>
    public void Compact()
    {
        lock (gate)
        {
            history.Clear();
            historyFloor = resourceVersion;
        }
    }

    internal void Unsubscribe(WatchSubscription sub)
    {
        lock (gate) subscriptions.Remove(sub);
    }

    /// <summary>Ends every subscription (cluster shutdown).</summary>
    public void CompleteAll()
    {
        lock (gate)
        {
            foreach (var s in subscriptions) s.Complete();
            subscriptions.Clear();
        }
    }

    private SortedDictionary<ObjectKey, StoredObject> Items(GroupResource resource)
    {
        if (!data.TryGetValue(resource, out var items))
        {
            items = new SortedDictionary<ObjectKey, StoredObject>();
            data[resource] = items;
        }
        return items;
    }

    private static readonly string[] MetadataOrder =
    [
        "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ];

    private StoredObject Stamp(GroupResource resource, ObjectKey key, string uid, JsonObject obj)
    {
        var rv = ++resourceVersion;
        var meta = obj.Ensure("metadata");
        meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        // Keep metadata in the order the real server serializes it.
        var ordered = new JsonObject();
        foreach (var k in MetadataOrder)
        {
            if (meta.TryGetPropertyValue(k, out var v)) ordered[k] = v?.DeepClone();
        }
        foreach (var (k, v) in meta)
        {
            if (!MetadataOrder.Contains(k)) ordered[k] = v?.DeepClone();
        }
        obj["metadata"] = ordered;
        return new StoredObject(resource, key.Namespace, key.Name, uid, rv, obj.ToUtf8());
    }

    private void Publish(StoreEvent e)
    {
        history.Add(e);
        if (history.Count > historyLimit)
        {
            var drop = history.Count - historyLimit + historyLimit / 4;
            historyFloor = history[drop - 1].ResourceVersion;
            history.RemoveRange(0, drop);
        }
        foreach (var s in subscriptions)
        {
            if (s.Matches(e)) s.Deliver(e);
        }
    }
}
