using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Progress;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Operations;

public sealed class OperationManagerTests : IAsyncLifetime
{
    private readonly SampleWorld _world = new();
    private readonly OperationEventHub _hub = new();
    private OperationManager _manager = null!;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public Task InitializeAsync()
    {
        _manager = NewManager();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        _world.Dispose();
    }

    private OperationManager NewManager(OperationManagerOptions? options = null) =>
        new(new InstanceDirectory(_world.DataDir), _hub, options ?? new OperationManagerOptions { WatchEvery = TimeSpan.FromMilliseconds(50) });

    private string OperationsDir => Path.Combine(_world.InstancePath, "operations");

    [Fact]
    public async Task A_backup_runs_as_an_operation_through_the_design_milestones_and_is_persisted()
    {
        var engine = new WildBackupEngine();
        using var sub = _hub.Subscribe(_ => true, capacity: 4096); // large enough that nothing is coalesced
        var op = _manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", async ctx =>
            JsonSerializer.SerializeToNode(await engine.BackupAppAsync(_world.Selector, "gitea", ctx.Observer, ctx.Cancellation)));
        Assert.Equal(OperationStatus.Pending, op.Status);
        var final = await _manager.WaitAsync("demo-cloud", op.Id, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(OperationStatus.Completed, final.Status);
        Assert.Equal(100, final.Progress);
        Assert.Equal("gitea", final.Result!["Name"]!.GetValue<string>());

        var events = new List<HubEvent>();
        while (events.Count == 0 || !events[^1].IsTerminal) events.Add((await sub.ReadAsync(CancellationToken.None).AsTask().WaitAsync(Wait))!);
        Assert.Equal("operation:created", events[0].Type);
        Assert.Equal("operation:completed", events[^1].Type);
        var progress = events.Where(e => e.Type == "operation:progress" && e.Detail?.Target == "apps/gitea").Select(e => e.Operation.Progress).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.Contains(10, progress);
        Assert.Contains(30, progress);
        Assert.Contains(95, progress);
        Assert.Contains(progress, p => p is > 50 and < 90);
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(OperationsDir, op.Id + ".json")))!;
        Assert.Equal("completed", json["status"]!.GetValue<string>());
        Assert.Equal("backup_app", json["type"]!.GetValue<string>());
        Assert.Equal("gitea", json["target"]!.GetValue<string>());
        Assert.Equal("demo-cloud", json["instance"]!.GetValue<string>());
        Assert.NotNull(json["started_at"]);
        Assert.NotNull(json["ended_at"]);
        Assert.Equal(100, json["progress"]!.GetValue<int>());
    }


    [Fact]
    public async Task The_record_on_disk_follows_milestones_and_a_late_progress_write_never_undoes_the_end()
    {
        // Saving on every event: thousands of writes behind, racing the final one.
        await _manager.DisposeAsync();
        _manager = NewManager(new OperationManagerOptions { WatchEvery = TimeSpan.FromMilliseconds(50), SaveEvery = TimeSpan.Zero });
        var reachedExport = new TaskCompletionSource();
        var goOn = new TaskCompletionSource();
        var op = _manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", async ctx =>
        {
            var progress = new ProgressReporter(ctx.Observer, "apps/gitea", "Backing up app gitea");
            progress.Milestone(Milestones.Backup.ExportingData, "config.tar.gz");
            reachedExport.SetResult();
            await goOn.Task;
            for (var i = 0; i < 3000; i++) progress.Bytes(Milestones.Backup.ExportingData, i, 3000, "f" + i);
            return null;
        });
        var path = Path.Combine(OperationsDir, op.Id + ".json");
        await reachedExport.Task.WaitAsync(Wait);
        // Written behind the event, shortly after.
        for (var i = 0; i < 300 && !File.ReadAllText(path).Contains("Exporting data"); i++) await Task.Delay(10);
        Assert.Contains("Exporting data", File.ReadAllText(path));
        goOn.SetResult();
        var final = await _manager.WaitAsync("demo-cloud", op.Id, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(OperationStatus.Completed, final.Status);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("completed", JsonNode.Parse(File.ReadAllText(path))!["status"]!.GetValue<string>());
            await Task.Delay(5);
        }
    }
    [Fact]
    public async Task A_failing_operation_records_the_error_code_and_message()
    {
        var op = _manager.Start("demo-cloud", "backup_app", "nope", "apps/nope", _ => throw new NotFoundException("AppNotFound", "App 'nope' not found."));
        var final = await _manager.WaitAsync("demo-cloud", op.Id, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(OperationStatus.Failed, final.Status);
        Assert.Equal(new OperationError("AppNotFound", "App 'nope' not found.", WildErrorKind.NotFound), final.Error);
    }

    [Fact]
    public async Task Cancel_stops_the_work_through_its_token()
    {
        var started = new TaskCompletionSource();
        var op = _manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", async ctx =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.Cancellation);
            return null;
        });
        await started.Task.WaitAsync(Wait);
        Assert.True(_manager.Cancel("demo-cloud", op.Id));
        var final = await _manager.WaitAsync("demo-cloud", op.Id, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(OperationStatus.Cancelled, final.Status);
        Assert.Throws<ConflictException>(() => _manager.Cancel("demo-cloud", op.Id));
    }

    [Fact]
    public async Task Once_its_end_is_published_the_target_is_free_and_a_cancel_is_refused()
    {
        for (var i = 0; i < 100; i++)
        {
            using var sub = _hub.Subscribe(e => e.IsTerminal, capacity: 16);
            var op = _manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", _ => Task.FromResult<JsonNode?>(null));
            var end = (await sub.ReadAsync(CancellationToken.None).AsTask().WaitAsync(Wait))!;
            Assert.Equal(op.Id, end.Operation.Id);
            // Right after the terminal event, with no pause: the next operation on the same target starts, and
            // cancelling the finished one is a conflict, not a silent success.
            Assert.Throws<ConflictException>(() => _manager.Cancel("demo-cloud", op.Id));
            var next = _manager.Start("demo-cloud", "restore_app", "gitea", "apps/gitea", _ => Task.FromResult<JsonNode?>(null));
            await _manager.WaitAsync("demo-cloud", next.Id, CancellationToken.None).WaitAsync(Wait);
        }
    }

    [Fact]
    public async Task One_operation_per_target_the_second_is_refused_with_the_running_id()
    {
        var release = new TaskCompletionSource();
        var first = _manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", async _ => { await release.Task; return null; });
        var ex = Assert.Throws<ConflictException>(() => _manager.Start("demo-cloud", "restore_app", "gitea", "apps/gitea", _ => Task.FromResult<JsonNode?>(null)));
        Assert.Contains(first.Id, ex.Message);
        Assert.Equal(first.Id, ex.Target);
        var other = _manager.Start("demo-cloud", "backup_app", "redis", "apps/redis", _ => Task.FromResult<JsonNode?>(null));
        release.SetResult();
        await _manager.WaitAsync("demo-cloud", first.Id, CancellationToken.None).WaitAsync(Wait);
        await _manager.WaitAsync("demo-cloud", other.Id, CancellationToken.None).WaitAsync(Wait);
        var again = _manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", _ => Task.FromResult<JsonNode?>(null));
        Assert.NotEqual(first.Id, again.Id);
    }

    [Fact]
    public async Task A_step_without_progress_times_out_and_moving_bytes_keep_it_alive()
    {
        await using var manager = NewManager(new OperationManagerOptions { WatchEvery = TimeSpan.FromMilliseconds(50), StepTimeout = TimeSpan.FromSeconds(2) });
        var stuck = manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", async ctx =>
        {
            ctx.Observer.OnEvent(new OperationEvent { Target = "apps/gitea", Activity = "a", Milestone = "Exporting data", Percent = 50 });
            await Task.Delay(Timeout.Infinite, ctx.Cancellation);
            return null;
        });
        var moving = manager.Start("demo-cloud", "backup_app", "redis", "apps/redis", async ctx =>
        {
            // Six seconds in all, three times the step timeout, but never more than 100 ms without moving bytes.
            for (var i = 0; i < 60; i++)
            {
                ctx.Observer.OnEvent(new OperationEvent { Target = "apps/redis", Activity = "a", Milestone = "Exporting data", Percent = 50 + i / 2, BytesDone = i, BytesTotal = 60 });
                await Task.Delay(100, ctx.Cancellation);
            }
            return null;
        });
        var s = await manager.WaitAsync("demo-cloud", stuck.Id, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(OperationStatus.Failed, s.Status);
        Assert.Equal("Timeout", s.Error!.Code);
        Assert.Contains("Exporting data", s.Error.Message);
        Assert.Equal(OperationStatus.Completed, (await manager.WaitAsync("demo-cloud", moving.Id, CancellationToken.None).WaitAsync(Wait)).Status);
    }

    [Theory]
    [InlineData(null, 300)]
    [InlineData(512L * 1024 * 1024, 330)]
    [InlineData(100L << 30, 300 + 100 * 60)]
    public void A_step_may_be_silent_for_its_timeout_plus_a_minute_per_GiB(long? bytes, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), OperationManager.StepLimit(TimeSpan.FromMinutes(5), bytes));
    }

    [Fact]
    public async Task After_a_restart_finished_operations_are_listed_and_orphans_are_marked_interrupted()
    {
        var done = _manager.Start("demo-cloud", "backup_cluster", "cluster", "cluster", _ => Task.FromResult<JsonNode?>(JsonValue.Create(1)));
        await _manager.WaitAsync("demo-cloud", done.Id, CancellationToken.None).WaitAsync(Wait);
        var orphan = new OperationRecord
        {
            Id = OperationIds.New(), Type = "backup_app", Target = "gitea", Instance = "demo-cloud", Status = OperationStatus.Running,
            Progress = 50, Message = "Exporting data", CreatedAt = DateTimeOffset.UtcNow, StartedAt = DateTimeOffset.UtcNow,
            Owner = new OperationOwner(Environment.MachineName, 4_000_000, DateTimeOffset.UtcNow.AddHours(-1)),
        };
        File.WriteAllBytes(Path.Combine(OperationsDir, orphan.Id + ".json"), orphan.ToJsonBytes());

        await using var restarted = NewManager();
        var list = restarted.List("demo-cloud");
        Assert.Equal(OperationStatus.Completed, list.Single(o => o.Id == done.Id).Status);
        var interrupted = list.Single(o => o.Id == orphan.Id);
        Assert.Equal(OperationStatus.Failed, interrupted.Status);
        Assert.Equal("interrupted by restart", interrupted.Message);
    }

    [Fact]
    public async Task Finished_operations_older_than_24_hours_are_purged_at_start()
    {
        Directory.CreateDirectory(OperationsDir);
        OperationRecord Old(TimeSpan age, OperationStatus status) => new()
        {
            Id = OperationIds.New() + (int)age.TotalHours, Type = "backup_app", Target = "gitea", Instance = "demo-cloud", Status = status,
            CreatedAt = DateTimeOffset.UtcNow - age, EndedAt = status == OperationStatus.Running ? null : DateTimeOffset.UtcNow - age,
            Owner = OperationOwner.Current(),
        };
        var expired = Old(TimeSpan.FromHours(25), OperationStatus.Completed);
        var recent = Old(TimeSpan.FromHours(23), OperationStatus.Failed);
        foreach (var r in new[] { expired, recent }) File.WriteAllBytes(Path.Combine(OperationsDir, r.Id + ".json"), r.ToJsonBytes());
        await using var restarted = NewManager();
        Assert.False(File.Exists(Path.Combine(OperationsDir, expired.Id + ".json")));
        Assert.True(File.Exists(Path.Combine(OperationsDir, recent.Id + ".json")));
        Assert.Throws<NotFoundException>(() => restarted.Get("demo-cloud", expired.Id));
    }

    [Fact]
    public async Task A_cancel_request_from_another_process_stops_the_operation()
    {
        var started = new TaskCompletionSource();
        var op = _manager.Start("demo-cloud", "backup_app", "gitea", "apps/gitea", async ctx =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.Cancellation);
            return null;
        });
        await started.Task.WaitAsync(Wait);
        await using (var other = NewManager())
        {
            Assert.True(other.Cancel("demo-cloud", op.Id)); // not its own: leaves a cancel request
        }
        Assert.Equal(OperationStatus.Cancelled, (await _manager.WaitAsync("demo-cloud", op.Id, CancellationToken.None).WaitAsync(Wait)).Status);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("op-ABC")]
    [InlineData("x")]
    public void Hostile_operation_ids_are_refused(string id)
    {
        Assert.Throws<InvalidInputException>(() => _manager.Get("demo-cloud", id));
    }

    [Fact]
    public void Unknown_operations_and_instances_are_not_found()
    {
        Assert.Throws<NotFoundException>(() => _manager.Get("demo-cloud", OperationIds.New()));
        Assert.Throws<NotFoundException>(() => _manager.List("other-cloud"));
    }
}
