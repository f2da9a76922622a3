using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;

namespace Wild.Backup.Api;

/// <summary>
/// One operation's server-sent events (<c>GET …/operations/{id}/events</c>, <c>text/event-stream</c>) in our own shape, which
/// our clients (RemoteWildService) render as a local run: <c>id:</c> lines with the hub's event ids, <c>event:</c> the event type
/// (<c>operation:created|progress|output|completed|failed|cancelled</c>), <c>data:</c> the operation record with the
/// engine event (<c>detail</c>) or result item (<c>output</c>) behind it. A stream starts with the current state, or
/// with what was missed after <c>Last-Event-ID</c>; sends a comment as heartbeat; and ends after its terminal event. Slow
/// clients get coalesced progress, never lose terminal events, and never slow the engine. The streams the Wild Cloud web
/// app reads are <see cref="WildCloudEvents"/>.
/// </summary>
public static class EventStreams
{
    private static readonly ConditionalWeakTable<HubEvent, byte[]> Encoded = new();

    public static async Task Operation(string instance, string id, HttpContext http, OperationManager manager, ApiOptions options)
    {
        WildName.Validate(instance, "instance");
        var current = manager.Get(instance, id); // 404 before the stream starts
        var lastId = LastEventId(http.Request);
        // Fresh subscribers replay what is kept of this operation: outputs and warnings it already produced are part of it.
        using var sub = manager.Hub.Subscribe(e => e.Operation.Id == id, lastId ?? 0, capacity: 256);
        var resumed = lastId is not null && sub.Resumed;
        var stateId = manager.Hub.LastEventId;
        current = manager.Get(instance, id);
        await StartAsync(http);
        // The snapshot has no id (id 0 → no id: line): it must not move a client's resume point past the replay that follows.
        if (!resumed) await WriteAsync(http, new HubEvent(0, "operation:state", current, null));
        await PumpAsync(http, sub, options.Heartbeat, skipProgressUpTo: resumed ? 0 : stateId, finished: current.IsTerminal ? current : null);
    }

    /// <param name="finished">The operation's final record when it had already finished as the stream began: once the
    /// replay is drained, the stream ends with it even if its terminal event is no longer kept.</param>
    private static async Task PumpAsync(HttpContext http, OperationEventHub.Subscription sub, TimeSpan heartbeat, long skipProgressUpTo, OperationRecord? finished)
    {
        var ct = http.RequestAborted;
        while (!ct.IsCancellationRequested)
        {
            // A finished record can be read a moment before its terminal event is published (the record is saved first):
            // give that event a second to arrive before ending with the record itself.
            var (timedOut, e) = await sub.ReadAsync(finished is null ? heartbeat : TimeSpan.FromSeconds(1), ct);
            if (timedOut && finished is not null)
            {
                // Without an id: every id this stream sent belongs to one event, and this one is not the hub's.
                await WriteAsync(http, new HubEvent(0, HubEvent.TypeFor(finished.Status), finished, null));
                return;
            }
            if (timedOut)
            {
                await http.Response.WriteAsync(": heartbeat\n\n", ct);
                await http.Response.Body.FlushAsync(ct);
                continue;
            }
            if (e is null) return; // cut off for being too slow: the client reconnects with Last-Event-ID
            if (e.Id <= skipProgressUpTo && e.Type is "operation:progress" or "operation:created" && e.Detail?.Kind != Core.Progress.OperationEventKind.Warning) continue;
            await WriteAsync(http, e);
            if (e.IsTerminal) return;
        }
    }

    /// <summary>The headers of every event stream of this API: 200, <c>text/event-stream</c>, no caching, and no buffering
    /// by nginx in front of it.</summary>
    internal static void StreamHeaders(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
    }

    private static async Task StartAsync(HttpContext http)
    {
        StreamHeaders(http);
        await http.Response.WriteAsync("retry: 2000\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static async Task WriteAsync(HttpContext http, HubEvent e)
    {
        var bytes = Encoded.GetValue(e, Encode);
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    /// <summary>One event, serialised once however many subscribers send it.</summary>
    public static byte[] Encode(HubEvent e)
    {
        var data = JsonSerializer.SerializeToNode(e.Operation, OperationRecord.Json)!.AsObject();
        if (e.Detail is not null) data["detail"] = JsonSerializer.SerializeToNode(e.Detail, OperationRecord.Json);
        if (e.Output is not null) data["output"] = e.Output.DeepClone();
        var id = e.Id > 0 ? $"id: {e.Id}\n" : "";
        return Encoding.UTF8.GetBytes($"{id}event: {e.Type}\ndata: {data.ToJsonString(OperationRecord.Json)}\n\n");
    }

    private static long? LastEventId(HttpRequest request)
    {
        var raw = request.Headers["Last-Event-ID"].ToString();
        if (string.IsNullOrEmpty(raw)) raw = request.Query["lastEventId"].ToString();
        if (string.IsNullOrEmpty(raw)) return null;
        return long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id >= 0
            ? id
            : throw new Core.Errors.InvalidInputException("InvalidLastEventId", "Last-Event-ID must be a non-negative integer.");
    }
}
