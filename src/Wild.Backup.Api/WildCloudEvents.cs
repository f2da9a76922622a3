using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;

namespace Wild.Backup.Api;

/// <summary>
/// The event streams the Wild Cloud web app reads, in the daemon's conventions: <c>GET /api/v1/events</c> (every
/// instance) and <c>GET /api/v1/instances/{instance}/events</c>. Each event is
/// <code>id: event-{n}
/// event: {type}
/// retry: 5000
/// data: {"id", "type", "instanceName", "timestamp", "data": {…}, "metadata": {…}}</code>
/// with the daemon's types: <c>connected</c> first, a named <c>heartbeat</c> every 30 s,
/// <c>operation:started|progress|completed|failed|cancelled</c> (data <c>operation_id, type, target, status, progress,
/// message, details</c>; metadata <c>operation_type, target</c>), and the domain events
/// <c>backup:started|completed|failed</c> and <c>restore:started|completed|failed</c> (data <c>app, …</c>). <c>?types=a,b</c>
/// keeps only those types and <c>?apps=</c> only events about those apps (events about no app pass), as the daemon's
/// filters do; <c>connected</c> and <c>heartbeat</c> always come. Ids are the hub's, so <c>Last-Event-ID</c> resumes.
/// <para>Shapes from civil-society-dev/wild-cloud: <c>api/internal/sse/manager.go</c> (Event, EventFilters, ids
/// <c>event-…</c>), <c>api/internal/api/v1/handlers_sse.go</c> (headers, connected, heartbeat every 30 s, <c>retry: 5000</c>,
/// the <c>"global"</c> instance name of the all-instances stream), <c>api/internal/operations/operations.go</c>
/// (broadcastOperationEvent: data and metadata) and the web app's <c>web/src/hooks/useGlobalSSE.ts</c> (one EventSource,
/// named-event listeners).</para>
/// </summary>
public static class WildCloudEvents
{
    /// <summary>The instance name the daemon gives events of the all-instances stream that belong to none.</summary>
    public const string Global = "global";

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Task AllInstances(HttpContext http, OperationManager manager, ApiOptions options) =>
        StreamAsync(http, manager, options, instance: null);

    public static Task OneInstance(string instance, HttpContext http, OperationManager manager, ApiOptions options)
    {
        var name = WildName.Validate(instance, "instance");
        manager.Directory.GetInstance(name); // 404 for an unknown instance, before the stream starts
        return StreamAsync(http, manager, options, name);
    }

    private static async Task StreamAsync(HttpContext http, OperationManager manager, ApiOptions options, string? instance)
    {
        var filter = Filter.From(http.Request.Query);
        var lastId = ResumeId(http.Request);
        using var sub = manager.Hub.Subscribe(e => instance is null || e.Operation.Instance == instance, lastId, capacity: 1024);
        var stream = new StreamState();
        var ct = http.RequestAborted;

        EventStreams.StreamHeaders(http);
        var label = instance ?? Global;
        await WriteAsync(http, lastId ?? 0, "connected", label, new JsonObject
        {
            ["message"] = instance is null ? "Successfully connected to global event stream" : "Successfully connected to event stream",
            ["filters"] = filter.ToJson(),
        }, null);

        var lastSent = lastId ?? 0;
        while (!ct.IsCancellationRequested)
        {
            var (timedOut, e) = await sub.ReadAsync(options.EventsHeartbeat, ct);
            if (timedOut)
            {
                await WriteAsync(http, lastSent, "heartbeat", label, new JsonObject { ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() }, null);
                continue;
            }
            if (e is null) return; // cut off for being too slow: the client reconnects with Last-Event-ID
            foreach (var (type, data, metadata) in Translate(e, stream))
            {
                if (!filter.Allows(type, metadata)) continue;
                await WriteAsync(http, e.Id, type, e.Operation.Instance, data, metadata);
            }
            lastSent = e.Id;
        }
    }

    /// <summary>What one hub event means to the web app: its operation event (progress only when something a person sees
    /// changed) and the backup/restore domain events it starts or ends.</summary>
    internal static IEnumerable<(string Type, JsonObject Data, JsonObject Metadata)> Translate(HubEvent e, StreamState stream)
    {
        var op = e.Operation;
        var domain = Domain(op.Type);
        var single = SingleTarget(op);
        switch (e.Type)
        {
            case "operation:created":
                yield return Operation("operation:started", op);
                if (domain is not null) yield return DomainEvent(domain + ":started", op, single, null);
                break;
            case "operation:progress" when !op.IsTerminal:
                if (stream.Changed(op)) yield return Operation("operation:progress", op);
                break;
            case "operation:output" when domain is not null && single is null && e.Output is JsonObject output:
                // A multi-app run: each app's outcome as it is committed.
                if (output["failure"] is JsonObject failure)
                {
                    yield return DomainEvent(domain + ":failed", op, failure["name"]?.GetValue<string>(), new JsonObject { ["error"] = failure["message"]?.DeepClone() });
                }
                else if (output["name"]?.GetValue<string>() is { } name)
                {
                    yield return DomainEvent(domain + ":completed", op, name, new JsonObject { ["backup"] = output.DeepClone() });
                }
                break;
            case "operation:completed" or "operation:failed" or "operation:cancelled":
                yield return Operation(e.Type, op);
                if (domain is not null)
                {
                    var done = op.Status == OperationStatus.Completed;
                    var extra = new JsonObject { ["status"] = Status(op.Status) };
                    if (op.Error is { } error) extra["error"] = error.Message;
                    else if (!done) extra["error"] = op.Message;
                    if (done && single is not null && e.Operation.Result is { } result) extra["result"] = result.DeepClone();
                    yield return DomainEvent(domain + (done ? ":completed" : ":failed"), op, single, extra);
                }
                break;
        }
    }

    /// <summary><c>backup</c> or <c>restore</c> for the operations the web app knows as such; null for the rest.</summary>
    private static string? Domain(string type) => type switch
    {
        "backup_app" or "backup_apps" or "backup_all" or "backup_cluster" => "backup",
        "restore_app" or "restore_cluster" => "restore",
        _ => null,
    };

    /// <summary>The one app (or <c>cluster</c>) an operation is about; null for a run over several apps.</summary>
    private static string? SingleTarget(OperationRecord op) =>
        op.Type is "backup_all" || (op.Type == "backup_apps" && op.Target == "apps") ? null : op.Target;

    private static (string, JsonObject, JsonObject) Operation(string type, OperationRecord op) =>
        (type,
         new JsonObject
         {
             ["operation_id"] = op.Id,
             ["type"] = op.Type,
             ["target"] = op.Target,
             ["status"] = Status(op.Status),
             ["progress"] = op.Progress,
             ["message"] = op.Message,
             ["details"] = op.Details?.DeepClone(),
         },
         new JsonObject { ["operation_type"] = op.Type, ["target"] = op.Target });

    private static (string, JsonObject, JsonObject) DomainEvent(string type, OperationRecord op, string? app, JsonObject? extra)
    {
        var data = new JsonObject { ["app"] = app, ["operation_id"] = op.Id, ["operation_type"] = op.Type, ["target"] = op.Target };
        foreach (var (k, v) in extra ?? []) data[k] = v?.DeepClone();
        var metadata = new JsonObject { ["operation_type"] = op.Type, ["target"] = op.Target };
        if (app is not null) metadata["app"] = app;
        return (type, data, metadata);
    }

    private static string Status(OperationStatus s) => s.ToString().ToLowerInvariant();

    private static async Task WriteAsync(HttpContext http, long id, string type, string instanceName, JsonObject data, JsonObject? metadata)
    {
        var envelope = new JsonObject
        {
            ["id"] = EventId(id),
            ["type"] = type,
            ["instanceName"] = instanceName,
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffK", CultureInfo.InvariantCulture),
            ["data"] = data,
        };
        if (metadata is { Count: > 0 }) envelope["metadata"] = metadata;
        var text = $"id: {EventId(id)}\nevent: {type}\nretry: 5000\ndata: {envelope.ToJsonString(Json)}\n\n";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    /// <summary><c>event-{n}</c>: the daemon's id prefix, with the hub's number (so a reconnect resumes after it).</summary>
    public static string EventId(long id) => "event-" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Last-Event-ID as <c>event-{n}</c> (or a bare number); anything else starts fresh, as the daemon ignores it.</summary>
    private static long? ResumeId(HttpRequest request)
    {
        var raw = request.Headers["Last-Event-ID"].ToString();
        if (raw.StartsWith("event-", StringComparison.Ordinal)) raw = raw["event-".Length..];
        return long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
    }

    /// <summary>What one stream has already told its client (so unchanged progress is not repeated).</summary>
    internal sealed class StreamState
    {
        private readonly Dictionary<string, (OperationStatus, int, string)> _last = new(StringComparer.Ordinal);

        public bool Changed(OperationRecord op)
        {
            var now = (op.Status, op.Progress, op.Message);
            if (_last.TryGetValue(op.Id, out var before) && before == now) return false;
            _last[op.Id] = now;
            return true;
        }
    }

    /// <summary>The daemon's filters: event types, and apps (by <c>metadata.app</c>; events without one pass).</summary>
    private sealed record Filter(IReadOnlyList<string> Types, IReadOnlyList<string> Apps)
    {
        public static Filter From(IQueryCollection query) => new(List(query["types"]), List(query["apps"]));

        private static IReadOnlyList<string> List(Microsoft.Extensions.Primitives.StringValues values) =>
            values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).ToList();

        public bool Allows(string type, JsonObject metadata) =>
            (Types.Count == 0 || Types.Contains(type, StringComparer.Ordinal)) &&
            (Apps.Count == 0 || metadata["app"]?.GetValue<string>() is not { } app || Apps.Contains(app, StringComparer.Ordinal));

        public JsonObject ToJson()
        {
            var o = new JsonObject();
            if (Types.Count > 0) o["eventTypes"] = new JsonArray(Types.Select(t => (JsonNode)t).ToArray());
            if (Apps.Count > 0) o["apps"] = new JsonArray(Apps.Select(t => (JsonNode)t).ToArray());
            return o;
        }
    }
}
