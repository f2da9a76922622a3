using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Progress;
using Xunit;

namespace Wild.Backup.Core.Tests.Operations;

public sealed class OperationEventHubTests
{
    private static OperationRecord Op(string id, OperationStatus status = OperationStatus.Running, int progress = 0) =>
        new() { Id = id, Type = "backup_app", Target = "gitea", Instance = "demo", Status = status, Progress = progress, CreatedAt = DateTimeOffset.UnixEpoch };

    private static OperationEvent Detail(int percent, string target = "apps/gitea") => new() { Target = target, Activity = "a", Milestone = "Exporting data", Percent = percent };

    private static async Task<List<HubEvent>> Drain(OperationEventHub.Subscription sub)
    {
        var list = new List<HubEvent>();
        while (true)
        {
            var (timedOut, e) = await sub.ReadAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
            if (timedOut || e is null) return list;
            list.Add(e);
        }
    }

    [Fact]
    public async Task A_slow_subscriber_gets_the_newest_progress_and_every_terminal_event()
    {
        var hub = new OperationEventHub();
        using var slow = hub.Subscribe(_ => true, capacity: 8);
        hub.Publish("operation:created", Op("op-1", OperationStatus.Pending));
        for (var p = 0; p <= 90; p++) hub.Publish("operation:progress", Op("op-1", progress: p), Detail(p));
        hub.Publish("operation:completed", Op("op-1", OperationStatus.Completed, 100));
        var got = await Drain(slow);
        Assert.Equal(["operation:created", "operation:progress", "operation:completed"], got.Select(e => e.Type));
        Assert.Equal(90, got[1].Operation.Progress); // coalesced to the newest
        Assert.True(slow.Coalesced >= 90);
    }

    [Fact]
    public async Task A_change_of_milestone_is_never_merged_away_even_with_a_backlog()
    {
        var hub = new OperationEventHub();
        using var slow = hub.Subscribe(_ => true, capacity: 8);
        foreach (var (p, m) in new[] { (10, "Creating snapshot"), (30, "Connecting to backup storage"), (50, "Exporting data"), (70, "Exporting data"), (90, "Exporting data"), (95, "Verifying backup") })
        {
            hub.Publish("operation:progress", Op("op-1", progress: p), Detail(p) with { Milestone = m });
        }
        var got = await Drain(slow);
        Assert.Equal(["Creating snapshot", "Connecting to backup storage", "Exporting data", "Verifying backup"], got.Select(e => e.Detail!.Milestone));
        Assert.Equal(90, got[2].Detail!.Percent); // the bytes inside one milestone merged to the newest
    }

    [Fact]
    public async Task Progress_of_different_targets_is_not_merged()
    {
        var hub = new OperationEventHub();
        using var sub = hub.Subscribe(_ => true, capacity: 8); // a small queue: a backlog of one already coalesces
        hub.Publish("operation:progress", Op("op-1"), Detail(10, "apps/a"));
        hub.Publish("operation:progress", Op("op-1"), Detail(20, "apps/b"));
        hub.Publish("operation:progress", Op("op-1"), Detail(30, "apps/a"));
        var got = await Drain(sub);
        Assert.Equal([20, 30], got.Select(e => e.Detail!.Percent)); // b's state stays; a's newest queues after it
    }

    [Fact]
    public async Task A_subscriber_that_keeps_up_sees_every_milestone()
    {
        var hub = new OperationEventHub();
        using var sub = hub.Subscribe(_ => true);
        var seen = new List<int>();
        foreach (var p in new[] { 10, 30, 50, 70, 90, 95, 100 })
        {
            hub.Publish("operation:progress", Op("op-1", progress: p), Detail(p));
            seen.Add((await sub.ReadAsync(CancellationToken.None))!.Detail!.Percent);
        }
        Assert.Equal([10, 30, 50, 70, 90, 95, 100], seen);
    }

    [Fact]
    public async Task Warnings_and_terminal_events_survive_a_full_queue()
    {
        var hub = new OperationEventHub();
        using var sub = hub.Subscribe(_ => true, capacity: 4);
        for (var i = 0; i < 20; i++)
        {
            hub.Publish("operation:progress", Op($"op-{i}"), Detail(i));
            hub.Publish("operation:progress", Op($"op-{i}"), new OperationEvent { Kind = OperationEventKind.Warning, Target = "apps/gitea", Activity = "a", Milestone = $"warning {i}" });
        }
        hub.Publish("operation:failed", Op("op-x", OperationStatus.Failed));
        var got = await Drain(sub);
        Assert.Equal(20, got.Count(e => e.Detail?.Kind == OperationEventKind.Warning));
        Assert.Equal("operation:failed", got[^1].Type);
    }

    [Fact]
    public async Task A_subscriber_that_never_reads_is_cut_off_not_grown_forever()
    {
        var hub = new OperationEventHub();
        using var stuck = hub.Subscribe(_ => true, capacity: 4);
        for (var i = 0; i < 200; i++) hub.Publish("operation:completed", Op($"op-{i}", OperationStatus.Completed));
        Assert.True(stuck.Overflowed);
        var got = await Drain(stuck);
        Assert.InRange(got.Count, 1, 64);
    }

    [Fact]
    public async Task Resume_replays_what_was_missed_after_the_last_event_id()
    {
        var hub = new OperationEventHub(keepRecent: 32);
        for (var i = 1; i <= 10; i++) hub.Publish("operation:progress", Op("op-1", progress: i), Detail(i, "apps/t" + i));
        using var resumed = hub.Subscribe(e => e.Operation.Id == "op-1", afterEventId: 7);
        Assert.True(resumed.Resumed);
        Assert.Equal([8L, 9, 10], (await Drain(resumed)).Select(e => e.Id));

        for (var i = 11; i <= 100; i++) hub.Publish("operation:progress", Op("op-1", progress: i), Detail(i, "apps/t" + i));
        using var tooOld = hub.Subscribe(_ => true, afterEventId: 5);
        Assert.False(tooOld.Resumed); // the caller sends current state instead
    }

    [Fact]
    public async Task Filters_apply_per_subscriber_and_publishing_never_waits_for_readers()
    {
        var hub = new OperationEventHub();
        using var mine = hub.Subscribe(e => e.Operation.Id == "op-mine");
        var subs = Enumerable.Range(0, 200).Select(_ => hub.Subscribe(_ => true, capacity: 4)).ToList();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++) hub.Publish("operation:progress", Op(i % 2 == 0 ? "op-mine" : "op-other", progress: i % 100), Detail(i % 100));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10)); // no reader ran; nothing blocked
        Assert.All(await Drain(mine), e => Assert.Equal("op-mine", e.Operation.Id));
        subs.ForEach(s => s.Dispose());
    }
}
