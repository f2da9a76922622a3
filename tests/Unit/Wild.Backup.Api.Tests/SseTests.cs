using Xunit;
using static Wild.Backup.Api.Tests.ApiWorld;

namespace Wild.Backup.Api.Tests;

public sealed class SseTests : IAsyncLifetime
{
    private ApiWorld _api = null!;
    public async Task InitializeAsync() => _api = await ApiWorld.StartAsync();
    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task An_operation_stream_starts_with_its_state_follows_the_milestones_and_ends_after_the_terminal_event()
    {
        var id = await _api.StartAsync($"{I}/apps/gitea/backup");
        await using var sse = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{id}/events");
        Assert.Equal("text/event-stream", sse.ContentType);
        var events = await sse.ReadAllAsync();
        Assert.Null(await sse.NextAsync()); // closed by the server
        Assert.Equal("operation:completed", events[^1].Type);
        Assert.All(events, e => Assert.Equal(id, e.Data["id"]!.GetValue<string>()));
        Assert.Equal("operation:state", events[0].Type);
        Assert.Equal(0, events[0].Id); // the snapshot carries no id: it must not move a resume point
        var ids = events.Skip(1).Select(e => e.Id).ToList();
        Assert.All(ids, id => Assert.True(id > 0));
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains(events, e => e.Type == "operation:output" && e.Data["output"]!["name"]!.GetValue<string>() == "gitea");
    }

    [Fact]
    public async Task A_finished_operation_streams_its_final_state_and_closes()
    {
        var id = await _api.StartAsync($"{I}/cluster/backup");
        await _api.FinishedAsync(id);
        await using var sse = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{id}/events");
        var events = await sse.ReadAllAsync();
        Assert.Equal("operation:state", events[0].Type); // current state first
        Assert.Equal("completed", events[0].Data["status"]!.GetValue<string>());
        Assert.Contains(events, e => e.Type == "operation:output"); // what it produced is replayed
        Assert.Equal("operation:completed", events[^1].Type);
        Assert.Equal(100, events[^1].Data["progress"]!.GetValue<int>());
    }

    [Fact]
    public async Task Progress_detail_carries_the_engine_milestones()
    {
        var id = await _api.StartAsync($"{I}/apps/redis/backup");
        await using var sse = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{id}/events", lastEventId: 0);
        var events = await sse.ReadAllAsync(e => e.Type == "operation:completed");
        var percents = events.Where(e => e.Type == "operation:progress" && e.Data["detail"]?["target"]?.GetValue<string>() == "apps/redis").Select(e => e.Data["detail"]!["percent"]!.GetValue<int>()).ToList();
        Assert.Contains(10, percents);
        Assert.Contains(30, percents);
        Assert.Contains(95, percents);
        Assert.Contains(100, percents);
        Assert.All(events, e => Assert.Equal(id, e.Data["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Resuming_with_Last_Event_ID_delivers_exactly_what_was_missed()
    {
        var id = await _api.StartAsync($"{I}/apps/gitea/backup");
        List<SseReader.Event> first;
        await using (var sse = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{id}/events"))
        {
            first = [(await sse.NextAsync())!, (await sse.NextAsync())!]; // the snapshot, then the first real event
        }
        Assert.True(first[^1].Id > 0);
        await _api.FinishedAsync(id);
        await using var resumed = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{id}/events", lastEventId: first[^1].Id);
        var rest = await resumed.ReadAllAsync();
        Assert.NotEmpty(rest);
        Assert.All(rest, e => Assert.True(e.Id > first[^1].Id));
        Assert.Equal(rest.Select(e => e.Id).Order(), rest.Select(e => e.Id));
        Assert.Equal("operation:completed", rest[^1].Type);

        // The whole history after the first event equals what a resume from it delivers.
        await using var again = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{id}/events", lastEventId: first[^1].Id);
        Assert.Equal(rest.Select(e => e.Id), (await again.ReadAllAsync()).Select(e => e.Id));
    }

    [Fact]
    public async Task Last_Event_ID_0_replays_the_whole_history_of_a_finished_operation()
    {
        var id = await _api.StartAsync($"{I}/apps/redis/backup");
        await _api.FinishedAsync(id);
        await using var sse = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{id}/events", lastEventId: 0);
        var events = await sse.ReadAllAsync();
        Assert.Equal("operation:created", events[0].Type); // no snapshot: the history from its start
        Assert.Contains(events, e => e.Data["detail"]?["milestone"]?.GetValue<string>() == "Creating snapshot");
        Assert.Contains(events, e => e.Data["detail"]?["milestone"]?.GetValue<string>() == "Verifying backup");
        Assert.Equal("operation:completed", events[^1].Type);
    }

    [Fact]
    public async Task A_running_operation_of_the_Wild_Cloud_daemon_can_be_watched_and_its_quiet_stream_gets_heartbeat_comments()
    {
        const string daemonOp = "op_deploy_app_gitea_1763630000987654321";
        File.WriteAllText(Path.Combine(_api.World.InstancePath, "operations", daemonOp + ".json"),
            $$"""{"id": "{{daemonOp}}", "type": "deploy_app", "target": "gitea", "instance": "demo-cloud", "status": "running", "progress": 20, "started_at": "2025-11-20T09:14:03.123456789-08:00", "ended_at": "0001-01-01T00:00:00Z"}""");
        await using var sse = await SseReader.OpenAsync(_api.Http, $"{I}/operations/{daemonOp}/events");
        var state = (await sse.NextAsync())!;
        Assert.Equal("operation:state", state.Type);
        Assert.Equal("daemon", state.Data["origin"]!.GetValue<string>());
        var readTask = sse.NextAsync(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => readTask); // no event: this API does not run it
        Assert.True(sse.Comments >= 2, $"heartbeats: {sse.Comments}");
    }

    [Fact]
    public async Task Bad_stream_requests_are_refused_before_streaming()
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Get, $"{I}/operations/op-20260101000000-00000000/events");
        Assert.Equal(404, status);
        Assert.Equal("OperationNotFound", body!["code"]!.GetValue<string>());
        var id = await _api.StartAsync($"{I}/cluster/backup");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{I}/operations/{id}/events");
        request.Headers.Add("Last-Event-ID", "-5");
        using var response = await _api.Http.SendAsync(request);
        Assert.Equal(400, (int)response.StatusCode);
    }
}
