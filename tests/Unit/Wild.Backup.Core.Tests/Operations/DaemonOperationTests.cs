using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Operations;

/// <summary>The Wild Cloud daemon's own records in the shared operations/ directory: read, listed, never touched.</summary>
public sealed class DaemonOperationTests : IAsyncLifetime
{
    private readonly RealisticWorld _world = new();
    private readonly Dictionary<string, (byte[] Bytes, DateTime Modified)> _before = new();
    private OperationManager _manager = null!;
    private string OperationsDir => Path.Combine(_world.InstancePath(RealisticWorld.Home), "operations");

    public Task InitializeAsync()
    {
        foreach (var f in Directory.EnumerateFiles(OperationsDir, "*", SearchOption.AllDirectories)) _before[f] = (File.ReadAllBytes(f), File.GetLastWriteTimeUtc(f));
        // Retention zero: everything finished is "old"; a purge would take all of it if it were allowed to.
        _manager = new OperationManager(new InstanceDirectory(_world.DataDir), new OperationEventHub(),
            new OperationManagerOptions { RetainFor = TimeSpan.Zero, WatchEvery = TimeSpan.FromMilliseconds(50) });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _manager.DisposeAsync();
        _world.Dispose();
    }

    private void AssertDaemonFilesUntouched()
    {
        foreach (var (file, (bytes, modified)) in _before)
        {
            Assert.True(File.Exists(file), $"{file} was deleted");
            Assert.Equal(bytes, File.ReadAllBytes(file));
            Assert.Equal(modified, File.GetLastWriteTimeUtc(file));
        }
    }

    [Fact]
    public void Starting_on_a_data_dir_with_old_daemon_records_neither_fails_nor_touches_them()
    {
        _manager.PurgeNow();
        AssertDaemonFilesUntouched();
    }

    [Fact]
    public void Daemon_records_are_listed_read_only_and_marked_as_the_daemons()
    {
        var list = _manager.List(RealisticWorld.Home);
        var daemon = list.Where(o => o.IsDaemons).ToDictionary(o => o.Id);
        Assert.Equal([RealisticWorld.DaemonRecords.FailedBackup, RealisticWorld.DaemonRecords.RunningBootstrap, RealisticWorld.DaemonRecords.OldDeploy],
            daemon.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(list, o => o.Id == RealisticWorld.DaemonRecords.Unreadable);

        var running = daemon[RealisticWorld.DaemonRecords.RunningBootstrap];
        Assert.Equal(OperationStatus.Running, running.Status); // not "interrupted by restart": it is not ours
        Assert.Null(running.EndedAt); // Go's zero time means "not ended"
        Assert.Equal(33, running.Progress);
        Assert.Equal("bootstrap", running.Type);
        Assert.Equal("cluster", running.Target);
        Assert.Equal("etcd", running.Details!["bootstrap"]!["step_name"]!.GetValue<string>());
        Assert.Equal(DaemonOperations.Origin, running.Origin);

        var old = daemon[RealisticWorld.DaemonRecords.OldDeploy];
        Assert.Equal(OperationStatus.Completed, old.Status);
        Assert.True(old.EndedAt < DateTimeOffset.UtcNow.AddDays(-2));
        Assert.Equal(TimeSpan.FromMinutes(2), old.EndedAt - old.StartedAt);
        Assert.Equal(OperationStatus.Failed, daemon[RealisticWorld.DaemonRecords.FailedBackup].Status);
        AssertDaemonFilesUntouched();
    }

    [Fact]
    public void A_daemon_record_is_found_by_its_id_and_cannot_be_cancelled_from_here()
    {
        var op = _manager.Get(RealisticWorld.Home, RealisticWorld.DaemonRecords.RunningBootstrap);
        Assert.True(op.IsDaemons);
        var ex = Assert.Throws<ConflictException>(() => _manager.Cancel(RealisticWorld.Home, RealisticWorld.DaemonRecords.RunningBootstrap));
        Assert.Equal("DaemonOperation", ex.ErrorId);
        Assert.Contains("Wild Cloud daemon", ex.Message);
        Assert.False(File.Exists(Path.Combine(OperationsDir, RealisticWorld.DaemonRecords.RunningBootstrap + ".cancel")));
        AssertDaemonFilesUntouched();
    }

    [Fact]
    public async Task Purging_removes_only_our_finished_operations()
    {
        var op = _manager.Start(RealisticWorld.Home, "test_backups", "backups", "backups", _ => Task.FromResult<JsonNode?>(null));
        await _manager.WaitAsync(RealisticWorld.Home, op.Id, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var ours = OperationStore.PathOf(_manager.Directory.GetInstance(RealisticWorld.Home), op.Id);
        Assert.True(File.Exists(ours));
        await Task.Delay(20);
        _manager.PurgeNow();
        Assert.False(File.Exists(ours));
        AssertDaemonFilesUntouched();
    }

    [Fact]
    public async Task Our_store_refuses_to_write_or_delete_a_daemon_record()
    {
        var store = new OperationStore(new InstanceDirectory(_world.DataDir));
        var instance = store.Directory.GetInstance(RealisticWorld.Home);
        var daemon = store.Load(instance).First(o => o.IsDaemons);
        Assert.Throws<InvalidOperationException>(() => store.Delete(instance, daemon.Id));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SaveAsync(daemon with { Status = OperationStatus.Failed }, CancellationToken.None));
        AssertDaemonFilesUntouched();
    }

    [Theory]
    [InlineData("op_deploy_app_gitea_1732000000000000000", true)]
    [InlineData("op_discover_192.168.8.0_1763000000000000001", true)]
    [InlineData("op_../../etc/passwd", false)]
    [InlineData("op_a..b", false)]
    [InlineData("op_a/b", false)]
    [InlineData("op-20261124053000-1a2b3c4d", true)]
    [InlineData("deploy_app", false)]
    public void Operation_ids_of_both_kinds_are_accepted_and_nothing_path_like(string id, bool valid) =>
        Assert.Equal(valid, OperationIds.IsValid(id));

    [Fact]
    public void A_daemon_record_in_any_shape_the_daemon_writes_reads_or_is_skipped_never_thrown()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Null(DaemonOperations.TryParse("[]"u8, now));
        Assert.Null(DaemonOperations.TryParse("{\"id\": 5}"u8, now));
        var minimal = DaemonOperations.TryParse("{\"id\": \"op_x_y_1\"}"u8, now)!;
        Assert.Equal(now, minimal.CreatedAt);
        Assert.Equal(OperationStatus.Pending, minimal.Status);
        var odd = DaemonOperations.TryParse("{\"id\": \"op_x_y_1\", \"status\": \"paused\", \"progress\": 250, \"started_at\": \"garbage\"}"u8, now)!;
        Assert.Equal(100, odd.Progress);
        Assert.Contains("paused", odd.Message);
        Assert.Null(odd.StartedAt);
    }
}
