using System.Globalization;
using System.Text.Json.Nodes;
using Xunit;
using static Wild.Backup.Api.Tests.ApiWorld;

namespace Wild.Backup.Api.Tests;

/// <summary>
/// The streams the Wild Cloud web app reads, read the way it reads them: one EventSource on <c>/api/v1/events</c>,
/// listeners for its named events, and its filter by instance name and type (web/src/hooks/useGlobalSSE.ts,
/// useFilteredSSE).
/// </summary>
public sealed class WildCloudEventsTests : IAsyncLifetime
{
    private ApiWorld _api = null!;
    public async Task InitializeAsync() => _api = await ApiWorld.StartAsync(o => o with { EventsHeartbeat = TimeSpan.FromMilliseconds(400) });
    public async Task DisposeAsync() => await _api.DisposeAsync();

    /// <summary>The event types the web app listens to, plus the domain events this API adds.</summary>
    private static readonly string[] WebAppTypes =
    [
        "connected", "heartbeat", "operation:started", "operation:progress", "operation:completed", "operation:failed", "operation:cancelled",
        "backup:started", "backup:completed", "backup:failed", "restore:started", "restore:completed", "restore:failed",
    ];

    /// <summary>Reads envelopes as the web app's useFilteredSSE does: this instance (or "global") and these types only.</summary>
    private static async Task<List<JsonObject>> ReadFilteredAsync(EventSourceClient source, string instance, string[] types, Func<JsonObject, bool> until)
    {
        var seen = new List<JsonObject>();
        while (true)
        {
            var envelope = (await source.NextAsync()).Envelope;
            var name = envelope["instanceName"]!.GetValue<string>();
            if (name != instance && name != "global") continue;
            if (!types.Contains(envelope["type"]!.GetValue<string>()) || Type(envelope) == "heartbeat") continue;
            seen.Add(envelope);
            if (until(envelope)) return seen;
        }
    }

    private static string Type(JsonObject e) => e["type"]!.GetValue<string>();

    /// <summary>The next envelope that is not a heartbeat (they come every 400 ms here).</summary>
    private static async Task<JsonObject> NextEventAsync(EventSourceClient source)
    {
        while (true)
        {
            var e = (await source.NextAsync()).Envelope;
            if (Type(e) != "heartbeat") return e;
        }
    }

    [Fact]
    public async Task The_web_apps_EventSource_on_api_v1_events_sees_a_backup_start_progress_and_complete()
    {
        await using var source = new EventSourceClient(_api.Http, "/api/v1/events", WebAppTypes);
        var connected = (await source.NextAsync()).Envelope;
        Assert.Equal("connected", Type(connected));
        Assert.Equal("global", connected["instanceName"]!.GetValue<string>());

        var id = await _api.StartAsync($"{I}/apps/gitea/backup");
        var events = await ReadFilteredAsync(source, "demo-cloud", WebAppTypes,
            e => Type(e) == "backup:completed" || Type(e) == "backup:failed");

        var types = events.Select(Type).ToList();
        Assert.Equal("operation:started", types[0]);
        Assert.Equal("backup:started", types[1]);
        Assert.Equal(["operation:completed", "backup:completed"], types[^2..]);
        var progress = events.Where(e => Type(e) == "operation:progress").Select(e => e["data"]!["progress"]!.GetValue<int>()).ToList();
        Assert.True(progress.Count >= 3, string.Join(",", types));
        Assert.Equal(progress.Order(), progress);
        Assert.Contains(progress, p => p is > 0 and < 100);

        foreach (var e in events.Where(e => Type(e).StartsWith("operation:", StringComparison.Ordinal)))
        {
            // The daemon's envelope (api/internal/sse/manager.go Event) and operation data (operations.go).
            Assert.StartsWith("event-", e["id"]!.GetValue<string>());
            Assert.Equal("demo-cloud", e["instanceName"]!.GetValue<string>());
            Assert.True(DateTimeOffset.TryParse(e["timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _));
            var data = e["data"]!.AsObject();
            Assert.Equal(id, data["operation_id"]!.GetValue<string>());
            Assert.Equal("backup_app", data["type"]!.GetValue<string>());
            Assert.Equal("gitea", data["target"]!.GetValue<string>());
            Assert.True(data.ContainsKey("status") && data.ContainsKey("progress") && data.ContainsKey("message") && data.ContainsKey("details"));
            Assert.Equal("backup_app", e["metadata"]!["operation_type"]!.GetValue<string>());
            Assert.Equal("gitea", e["metadata"]!["target"]!.GetValue<string>());
        }
        var completed = events.Single(e => Type(e) == "operation:completed")["data"]!;
        Assert.Equal("completed", completed["status"]!.GetValue<string>());
        Assert.Equal(100, completed["progress"]!.GetValue<int>());
        var done = events[^1]["data"]!;
        Assert.Equal("gitea", done["app"]!.GetValue<string>());
        Assert.Equal(id, done["operation_id"]!.GetValue<string>());
        Assert.Equal("gitea", done["result"]!["name"]!.GetValue<string>());
        Assert.Equal("gitea", events[1]["data"]!["app"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_instance_stream_with_a_types_filter_carries_only_those_types()
    {
        await using var source = new EventSourceClient(_api.Http, $"{I}/events?types=backup:started,backup:completed", WebAppTypes);
        Assert.Equal("connected", Type((await source.NextAsync()).Envelope)); // always, whatever the filter
        await _api.FinishedAsync(await _api.StartAsync($"{I}/apps/redis/backup"));
        var started = await NextEventAsync(source);
        Assert.Equal("backup:started", Type(started));
        Assert.Equal("demo-cloud", started["instanceName"]!.GetValue<string>());
        Assert.Equal("redis", started["metadata"]!["app"]!.GetValue<string>());
        Assert.Equal("backup:completed", Type(await NextEventAsync(source)));
    }

    [Fact]
    public async Task A_multi_app_run_reports_each_app_and_a_name_that_is_not_an_app_as_failed()
    {
        await using var source = new EventSourceClient(_api.Http, "/api/v1/events?types=backup:started,backup:completed,backup:failed,operation:failed", WebAppTypes);
        await source.NextAsync();
        await _api.StartAsync($"{I}/apps/backup", new { apps = new[] { "gitea", "redis", "nextcloud" } });
        var events = await ReadFilteredAsync(source, "demo-cloud", WebAppTypes, e => Type(e) == "operation:failed");
        var perApp = events.Where(e => Type(e) is "backup:completed" or "backup:failed" && e["data"]!["app"] is not null)
            .Select(e => $"{Type(e)} {e["data"]!["app"]}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["backup:completed gitea", "backup:completed redis", "backup:failed nextcloud"], perApp);
        Assert.Contains("not found", events.First(e => Type(e) == "backup:failed")["data"]!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_failed_backup_is_operation_failed_and_backup_failed_without_secrets()
    {
        var secrets = Path.Combine(_api.World.InstancePath, "secrets.yaml");
        File.WriteAllText(secrets, File.ReadAllText(secrets) + "\n  broken: [\n");
        await using var source = new EventSourceClient(_api.Http, "/api/v1/events", WebAppTypes);
        await source.NextAsync();
        await _api.StartAsync($"{I}/apps/gitea/backup");
        var events = await ReadFilteredAsync(source, "demo-cloud", WebAppTypes, e => Type(e) == "backup:failed");
        Assert.Contains(events, e => Type(e) == "operation:failed" && e["data"]!["status"]!.GetValue<string>() == "failed");
        Assert.Contains("secrets.yaml is not valid YAML", events[^1]["data"]!["error"]!.GetValue<string>());
        var all = string.Join("\n", events.Select(e => e.ToJsonString()));
        Assert.All(_api.World.Secrets, s => Assert.DoesNotContain(s, all));
    }

    [Fact]
    public async Task Heartbeats_are_named_events_with_the_daemons_data()
    {
        await using var source = new EventSourceClient(_api.Http, $"{I}/events", WebAppTypes);
        Assert.Equal("connected", Type((await source.NextAsync()).Envelope));
        for (var i = 0; i < 2; i++)
        {
            var beat = (await source.NextAsync(TimeSpan.FromSeconds(5))).Envelope;
            Assert.Equal("heartbeat", Type(beat));
            Assert.Equal("demo-cloud", beat["instanceName"]!.GetValue<string>());
            Assert.True(beat["data"]!["timestamp"]!.GetValue<long>() > 1_700_000_000);
        }
        Assert.Equal(TimeSpan.FromSeconds(5), source.Reconnection); // retry: 5000, as the daemon sends
    }

    [Fact]
    public async Task An_EventSource_that_reconnects_resumes_after_the_last_event_it_saw()
    {
        await using var source = new EventSourceClient(_api.Http, $"{I}/events?types=operation:started,operation:completed", WebAppTypes);
        await source.NextAsync();
        var first = await _api.StartAsync($"{I}/apps/redis/backup");
        Assert.Equal("operation:started", Type(await NextEventAsync(source)));
        Assert.Equal("operation:completed", Type(await NextEventAsync(source)));
        var seenUpTo = source.LastEventId;
        Assert.StartsWith("event-", seenUpTo);

        source.Drop();
        var second = await _api.StartAsync($"{I}/apps/postgres/backup"); // may happen while it is disconnected
        var next = new List<JsonObject>();
        while (next.Count < 2)
        {
            var e = (await source.NextAsync()).Envelope;
            if (Type(e) is "operation:started" or "operation:completed") next.Add(e);
        }
        Assert.True(source.Connections >= 2);
        Assert.All(next, e => Assert.Equal(second, e["data"]!["operation_id"]!.GetValue<string>())); // nothing of the first again
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Unknown_instances_are_404_in_the_daemons_error_shape_before_any_stream()
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Get, "/api/v1/instances/nope/events");
        Assert.Equal(404, status);
        Assert.Equal("InstanceNotFound", body!["code"]!.GetValue<string>());
        Assert.Contains("'nope'", body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Post_cancel_the_daemons_route_cancels_like_delete_and_the_stream_says_cancelled()
    {
        _api.MakeSlow();
        await using var source = new EventSourceClient(_api.Http, $"{I}/events?types=operation:progress,operation:cancelled,backup:failed", WebAppTypes);
        await source.NextAsync();
        var id = await _api.StartAsync($"{I}/apps/gitea/backup");
        while (!((await NextEventAsync(source))["data"]!["message"]?.GetValue<string>() ?? "").StartsWith("Exporting data", StringComparison.Ordinal)) { }

        var (status, body) = await _api.SendAsync(HttpMethod.Post, $"{I}/operations/{id}/cancel");
        Assert.Equal(202, status);
        Assert.Equal(id, body!["id"]!.GetValue<string>());
        var events = await ReadFilteredAsync(source, "demo-cloud", WebAppTypes, e => Type(e) == "backup:failed");
        Assert.Contains(events, e => Type(e) == "operation:cancelled");
        Assert.Equal("cancelled", events[^1]["data"]!["status"]!.GetValue<string>());
        var (again, error) = await _api.SendAsync(HttpMethod.Post, $"{I}/operations/{id}/cancel");
        Assert.Equal(409, again);
        Assert.Equal("OperationFinished", error!["code"]!.GetValue<string>());
    }
}
