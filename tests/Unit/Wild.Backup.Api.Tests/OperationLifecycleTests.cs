using System.Text.Json.Nodes;
using Wild.Backup.Core.Operations;
using Xunit;
using static Wild.Backup.Api.Tests.ApiWorld;

namespace Wild.Backup.Api.Tests;

public sealed class OperationLifecycleTests
{
    /// <summary>An app big enough that its backup runs long enough to be caught running.</summary>
    [Fact]
    public async Task A_second_operation_on_the_same_target_is_409_with_the_running_id()
    {
        await using var api = await ApiWorld.StartAsync();
        api.MakeSlow();
        var first = await api.StartAsync($"{I}/apps/gitea/backup");
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{I}/apps/gitea/backup");
        Assert.Equal(409, status);
        Assert.Equal("OperationRunning", body!["code"]!.GetValue<string>());
        Assert.Contains(first, body["error"]!.GetValue<string>());
        await api.FinishedAsync(first);
    }

    [Fact]
    public async Task Delete_cancels_a_running_backup_and_the_previous_backup_stays()
    {
        await using var api = await ApiWorld.StartAsync();
        var before = await api.FinishedAsync(await api.StartAsync($"{I}/apps/gitea/backup"));
        api.MakeSlow();
        var id = await api.StartAsync($"{I}/apps/gitea/backup");
        await using (var sse = await SseReader.OpenAsync(api.Http, $"{I}/operations/{id}/events"))
        {
            await sse.ReadAllAsync(e => e.Data["message"]!.GetValue<string>().StartsWith("Exporting data", StringComparison.Ordinal));
        }
        var (status, body) = await api.SendAsync(HttpMethod.Delete, $"{I}/operations/{id}");
        Assert.Equal(202, status);
        Assert.Equal(id, body!["id"]!.GetValue<string>());
        var op = await api.FinishedAsync(id);
        Assert.Equal("cancelled", op["status"]!.GetValue<string>());
        Assert.Equal(["gitea"], Directory.EnumerateFileSystemEntries(api.World.BackupDir("apps")).Select(Path.GetFileName));
        var meta = JsonNode.Parse(await api.Http.GetStringAsync($"{I}/apps/gitea/backup"))!;
        Assert.Equal(before["result"]!["createdAt"]!.GetValue<string>(), meta["createdAt"]!.GetValue<string>());
        var (again, _) = await api.SendAsync(HttpMethod.Delete, $"{I}/operations/{id}");
        Assert.Equal(409, again); // already finished
    }

    [Fact]
    public async Task After_a_restart_finished_operations_are_listed_and_interrupted_ones_are_failed()
    {
        await using var api = await ApiWorld.StartAsync();
        var done = await api.StartAsync($"{I}/cluster/backup");
        await api.FinishedAsync(done);
        var orphan = new OperationRecord
        {
            Id = OperationIds.New(), Type = "backup_app", Target = "redis", Instance = "demo-cloud", Status = OperationStatus.Running,
            CreatedAt = DateTimeOffset.UtcNow, Owner = new OperationOwner(Environment.MachineName, 4_100_000, DateTimeOffset.UtcNow.AddHours(-2)),
        };
        File.WriteAllBytes(Path.Combine(api.World.InstancePath, "operations", orphan.Id + ".json"), orphan.ToJsonBytes());
        await api.RestartAsync();
        var list = JsonNode.Parse(await api.Http.GetStringAsync($"{I}/operations"))!.AsArray();
        Assert.Equal("completed", list.Single(o => o!["id"]!.GetValue<string>() == done)!["status"]!.GetValue<string>());
        var interrupted = list.Single(o => o!["id"]!.GetValue<string>() == orphan.Id)!;
        Assert.Equal("failed", interrupted["status"]!.GetValue<string>());
        Assert.Equal("interrupted by restart", interrupted["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Operations_older_than_24_hours_are_purged_at_start()
    {
        var world = new Wild.Backup.Testing.SampleWorld();
        var ops = Path.Combine(world.InstancePath, "operations");
        var old = new OperationRecord { Id = OperationIds.New(), Type = "backup_app", Target = "gitea", Instance = "demo-cloud", Status = OperationStatus.Completed, CreatedAt = DateTimeOffset.UtcNow.AddDays(-2), EndedAt = DateTimeOffset.UtcNow.AddDays(-2) };
        File.WriteAllBytes(Path.Combine(ops, old.Id + ".json"), old.ToJsonBytes());
        await using var api = await ApiWorld.StartAsync(world: world);
        var (status, _) = await api.SendAsync(HttpMethod.Get, $"{I}/operations/{old.Id}");
        Assert.Equal(404, status);
        Assert.False(File.Exists(Path.Combine(ops, old.Id + ".json")));
    }

    [Fact]
    public async Task TimeoutSeconds_out_of_range_is_refused()
    {
        // (A step that stalls past its timeout is tested at the manager level: OperationManagerTests.)
        await using var api = await ApiWorld.StartAsync();
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{I}/apps/gitea/backup", "{\"timeoutSeconds\":0}");
        Assert.Equal(400, status);
        Assert.Equal("InvalidTimeout", body!["code"]!.GetValue<string>());
    }
}
