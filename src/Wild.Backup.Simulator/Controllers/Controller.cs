using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>What a controller reconciles: one object of one resource.</summary>
internal readonly record struct ObjectRef(GroupResource Resource, string Namespace, string Name)
{
    public override string ToString() => $"{Resource} {Namespace}/{Name}";
}

/// <summary>
/// Base of the built-in controllers: subscribes to the resources it watches (starting with every
/// existing object), maps each change to the keys to reconcile, and reconciles keys one at a time.
/// A failed reconcile is retried with backoff; conflicts are retried at once. Reads go straight to
/// the store (always current); writes go through the in-process API with the controller's field
/// manager, so they meet the same validation and conflicts as any client.
/// </summary>
internal abstract class Controller
{
    private readonly Dictionary<ObjectRef, int> failures = new();
    private WorkQueue<ObjectRef>? queue;

    protected Controller(ClusterRuntime runtime, string name)
    {
        Rt = runtime;
        Name = name;
        Log = runtime.LoggerFactory.CreateLogger("Wild.Backup.Simulator.Controllers." + name);
    }

    public string Name { get; }

    protected ClusterRuntime Rt { get; }

    protected ClusterApi Api => Rt.Api;

    protected ILogger Log { get; }

    /// <summary>Field manager for this controller's writes (kube-controller-manager, kubelet, …).</summary>
    protected abstract string FieldManager { get; }

    /// <summary>Resources whose changes this controller reacts to (null entry = all resources).</summary>
    protected abstract IEnumerable<GroupResource?> Watches { get; }

    /// <summary>Keys to reconcile for a change.</summary>
    protected abstract IEnumerable<ObjectRef> KeysFor(StoreEvent e);

    protected abstract Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken);

    protected WriteOptions Write => new() { FieldManager = FieldManager };

    protected void Enqueue(ObjectRef key) => queue?.Add(key);

    protected void EnqueueAfter(ObjectRef key, TimeSpan delay) => queue?.AddAfter(key, delay);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        queue = new WorkQueue<ObjectRef>(cancellationToken);
        var subscriptions = Watches.Select(r => Rt.Store.Subscribe(r, null, null)).ToList();
        try
        {
            var pumps = subscriptions.Select(s => PumpAsync(s, cancellationToken)).ToList();
            var worker = WorkAsync(cancellationToken);
            await Task.WhenAll(pumps.Append(worker)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var s in subscriptions) s.Dispose();
        }
    }

    private async Task PumpAsync(WatchSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e.Type == StoreEventType.Bookmark) continue;
                foreach (var key in KeysFor(e)) queue!.Add(key);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ObjectRef key;
            try
            {
                key = await queue!.TakeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
                failures.Remove(key);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.Code == 409)
            {
                queue!.AddAfter(key, TimeSpan.FromMilliseconds(5));
            }
            catch (Exception e)
            {
                var n = failures.TryGetValue(key, out var f) ? f + 1 : 1;
                failures[key] = n;
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 20 * Math.Pow(2, Math.Min(n, 10))));
                Log.LogWarning(e, "{Controller}: reconciling {Key} failed (attempt {Attempt}); retrying in {Delay}", Name, key, n, delay);
                queue!.AddAfter(key, delay);
            }
        }
    }

    /// <summary>The served version of a resource, for in-process API calls.</summary>
    protected GroupVersionResource? Gvr(GroupResource gr)
        => Rt.Registry.Find(gr) is { } t ? new GroupVersionResource(gr.Group, t.StorageVersion, gr.Resource) : null;

    /// <summary>
    /// Removes one finalizer from the current object with a merge patch conditioned on its
    /// resourceVersion (a concurrent change makes it a 409 and the key is retried). No-op if gone.
    /// </summary>
    protected void RemoveFinalizer(GroupVersionResource gvr, string? ns, string name, string finalizer)
    {
        var current = Rt.GetObject(gvr, ns, name);
        var finalizers = current?.Arr("metadata", "finalizers")?.Select(JsonTools.Display).ToList();
        if (current is null || finalizers is null || !finalizers.Remove(finalizer)) return;
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["finalizers"] = finalizers.Count == 0 ? null : new JsonArray(finalizers.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray()),
                ["resourceVersion"] = current.Str("metadata", "resourceVersion"),
            },
        };
        try
        {
            Api.Patch(gvr, ns, name, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }

    /// <summary>The key of the object in an event.</summary>
    protected static ObjectRef Self(StoreEvent e)
    {
        var o = (e.Object ?? e.Previous)!;
        return new ObjectRef(e.Resource, o.Namespace, o.Name);
    }
}
