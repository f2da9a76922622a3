using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Selectors;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Api;

/// <summary>
/// One watch: a store subscription turned into API watch events. Selectors apply to both the old
/// and new state, so an object that stops matching is reported DELETED and one that starts matching
/// ADDED (as the watch cache does). Ends at the timeout, on cancellation or on cluster shutdown.
/// </summary>
internal sealed class WatchSession : IDisposable
{
    private readonly ClusterRuntime rt;
    private readonly ResourceType type;
    private readonly string version;
    private readonly WatchSubscription? subscription;
    private readonly JsonObject? error;
    private readonly LabelSelector labels;
    private readonly FieldSelector fields;
    private readonly TimeSpan timeout;
    private readonly bool bookmarks;

    public WatchSession(ClusterRuntime rt, ResourceType type, string version, WatchSubscription? subscription, JsonObject? error,
        LabelSelector labels, FieldSelector fields, TimeSpan timeout, bool bookmarks)
    {
        this.rt = rt;
        this.type = type;
        this.version = version;
        this.subscription = subscription;
        this.error = error;
        this.labels = labels;
        this.fields = fields;
        this.timeout = timeout;
        this.bookmarks = bookmarks;
    }

    public async IAsyncEnumerable<WatchEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (error is not null)
        {
            yield return new WatchEvent("ERROR", error);
            yield break;
        }
        var sub = subscription!;
        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        using var bookmarkTimer = bookmarks ? new Timer(_ => rt.Store.RequestBookmark(sub), null, rt.Options.WatchBookmarkInterval, rt.Options.WatchBookmarkInterval) : null;
        var reader = sub.Reader;
        while (true)
        {
            StoreEvent e;
            try
            {
                if (!await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false)) yield break;
                if (!reader.TryRead(out e!)) continue;
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            var converted = Convert(e);
            if (converted is not null) yield return converted;
        }
    }

    private WatchEvent? Convert(StoreEvent e)
    {
        switch (e.Type)
        {
            case StoreEventType.Bookmark:
                if (!bookmarks && !e.InitialEventsEnd) return null;
                var meta = new JsonObject { ["resourceVersion"] = e.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
                if (e.InitialEventsEnd) meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
                return new WatchEvent("BOOKMARK", new JsonObject { ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion(version), ["metadata"] = meta });
            case StoreEventType.Added:
                {
                    var obj = e.Object!.Parse();
                    return Matches(obj) ? new WatchEvent("ADDED", ClusterApi.Output(obj, type, version)) : null;
                }
            case StoreEventType.Modified:
                {
                    var obj = e.Object!.Parse();
                    var now = Matches(obj);
                    var before = e.Previous is not null && Matches(e.Previous.Parse());
                    if (now && before) return new WatchEvent("MODIFIED", ClusterApi.Output(obj, type, version));
                    if (now) return new WatchEvent("ADDED", ClusterApi.Output(obj, type, version));
                    if (before) return new WatchEvent("DELETED", ClusterApi.Output(obj, type, version));
                    return null;
                }
            case StoreEventType.Deleted:
                {
                    var obj = e.Object!.Parse();
                    var prev = e.Previous?.Parse() ?? obj;
                    return Matches(prev) ? new WatchEvent("DELETED", ClusterApi.Output(obj, type, version)) : null;
                }
            default:
                return null;
        }
    }

    private bool Matches(JsonObject obj) => labels.Matches(obj) && fields.Matches(type, obj);

    public void Dispose() => subscription?.Dispose();
}

internal sealed partial class ClusterApi
{
    /// <summary>
    /// Validates a watch request and subscribes. Request errors throw (the HTTP layer answers 4xx);
    /// a too-old resourceVersion becomes a session that yields one ERROR event with a 410 Status, as
    /// the watch cache does after the response has started.
    /// </summary>
    public WatchSession StartWatch(GroupVersionResource gvr, string? ns, ListOptions options)
    {
        var type = Resolve(gvr);
        var labels = LabelSelector.Parse(options.LabelSelector);
        var fields = FieldSelector.Parse(options.FieldSelector, type);
        var scopeNs = type.Namespaced && !string.IsNullOrEmpty(ns) ? ns : null;
        var timeout = options.TimeoutSeconds is > 0 ? TimeSpan.FromSeconds(options.TimeoutSeconds.Value) : rt.Options.DefaultWatchTimeout;

        var sendInitial = options.SendInitialEvents == true;
        if (options.SendInitialEvents is not null)
        {
            var errors = new List<FieldError>();
            if (options.ResourceVersionMatch != "NotOlderThan")
            {
                errors.Add(FieldError.Forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
            }
            if (sendInitial && !options.AllowWatchBookmarks)
            {
                errors.Add(FieldError.Forbidden("allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true"));
            }
            if (errors.Count > 0) throw Errors.Invalid("meta.k8s.io", "ListOptions", "", errors);
        }
        else if (!string.IsNullOrEmpty(options.ResourceVersionMatch))
        {
            throw Errors.Invalid("meta.k8s.io", "ListOptions", "", [FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")]);
        }

        long? from = null;
        var rvText = options.ResourceVersion;
        if (!string.IsNullOrEmpty(rvText) && rvText != "0")
        {
            if (!long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
            {
                throw Errors.BadRequest($"invalid resource version: strconv.ParseUint: parsing \"{rvText}\": invalid syntax");
            }
            from = rv;
        }
        if (sendInitial) from = null;

        try
        {
            var sub = rt.Store.Subscribe(type.GroupResource, scopeNs, from, initialEventsEndBookmark: sendInitial);
            return new WatchSession(rt, type, gvr.Version, sub, null, labels, fields, timeout, options.AllowWatchBookmarks);
        }
        catch (KubeApiException e) when (e.Code == 410)
        {
            return new WatchSession(rt, type, gvr.Version, null, e.ToStatus(), labels, fields, timeout, options.AllowWatchBookmarks);
        }
    }
}
