using System.Text.Json.Nodes;
using Wild.Backup.Core;
using Wild.Backup.Core.Progress;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Api.Tests;

/// <summary>The API server in front of the sample instance, whose kubeconfig names a simulated cluster with Longhorn.</summary>
public sealed class RestoreApiFixture : IAsyncLifetime
{
    public ClusterWorld Cluster { get; private set; } = null!;
    public ApiWorld Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await ClusterWorld.StartAsync();
        Api = await ApiWorld.StartAsync(world: Cluster.World);
    }

    public async Task DisposeAsync()
    {
        if (Api is not null) await Api.DisposeAsync();
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

public sealed class RestoreEndpointTests(RestoreApiFixture f) : IClassFixture<RestoreApiFixture>
{
    private const string I = ApiWorld.I;
    private ApiWorld Api => f.Api;
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;

    private async Task BackUpAsync(string app)
    {
        await f.Cluster.DeployAsync(app, Timeout);
        var op = await Api.FinishedAsync(await Api.StartAsync($"{I}/apps/{app}/backup"));
        Assert.Equal("completed", op["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Restore_switch_and_cleanup_run_as_operations_and_status_follows()
    {
        await BackUpAsync("gitea");
        var id = await Api.StartAsync($"{I}/apps/gitea/restore", new { strategy = "blue-green", timeoutSeconds = 120 });
        var op = await Api.FinishedAsync(id);
        Assert.Equal("completed", op["status"]!.GetValue<string>());
        Assert.Equal("restore_app", op["type"]!.GetValue<string>());
        Assert.Equal("gitea", op["target"]!.GetValue<string>());
        Assert.Equal(100, op["progress"]!.GetValue<int>());
        Assert.Equal("gitea-restore", op["result"]!["namespace"]!.GetValue<string>());
        Assert.Equal("gitea-data", op["result"]!["volumes"]![0]!["pvc"]!.GetValue<string>());
        Assert.Equal("gitea-restore.cloud.example.com", op["result"]!["hosts"]![0]!["verificationHost"]!.GetValue<string>());

        using var history = new HttpRequestMessage(HttpMethod.Get, $"{I}/operations/{id}/events");
        history.Headers.Add("Last-Event-ID", "0"); // the whole kept history of the finished operation
        using var response = await Api.Http.SendAsync(history);
        var events = await response.Content.ReadAsStringAsync();
        Assert.Contains("Importing volumes", events);
        foreach (var secret in f.Cluster.World.Secrets) Assert.DoesNotContain(secret, op.ToJsonString() + events);

        var (code, status) = await Api.SendAsync(HttpMethod.Get, $"{I}/apps/gitea/restore/status");
        Assert.Equal(200, code);
        Assert.Equal("restoredAwaitingSwitch", status!["state"]!.GetValue<string>());
        Assert.True(status["healthy"]!.GetValue<bool>());
        Assert.Equal("gitea-restore", status["restoreNamespace"]!.GetValue<string>());
        Assert.True(status["namespaces"]!["gitea"]!.GetValue<bool>());
        Assert.Equal(id, status["lastOperation"]!["id"]!.GetValue<string>());
        Assert.NotNull(status["lastOperation"]!["ended_at"]); // the operations' own (daemon) shape

        op = await Api.FinishedAsync(await Api.StartAsync($"{I}/apps/gitea/restore/switch", new { }));
        Assert.Equal("completed", op["status"]!.GetValue<string>());
        Assert.Equal("restore_switch", op["type"]!.GetValue<string>());
        Assert.Equal("gitea.cloud.example.com", op["result"]!["hosts"]![0]!.GetValue<string>());
        Assert.Equal("switchedAwaitingCleanup", (await Api.SendAsync(HttpMethod.Get, $"{I}/apps/gitea/restore/status")).Body!["state"]!.GetValue<string>());

        op = await Api.FinishedAsync(await Api.StartAsync($"{I}/apps/gitea/restore/cleanup"));
        Assert.Equal("completed", op["status"]!.GetValue<string>());
        Assert.Equal("gitea", op["result"]!["deletedNamespaces"]![0]!.GetValue<string>());
        (code, status) = await Api.SendAsync(HttpMethod.Get, $"{I}/apps/gitea/restore/status");
        Assert.Equal("none", status!["state"]!.GetValue<string>());
        Assert.Equal("restore_cleanup", status["lastOperation"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("POST", "/apps/immich/restore", "{}", 404, "BackupNotFound")]
    [InlineData("POST", "/apps/immich/restore", """{"strategy":"in-place"}""", 400, "UnknownStrategy")]
    [InlineData("POST", "/apps/immich/restore", """{"fromInstance":"../x"}""", 400, "InvalidInstanceName")]
    [InlineData("POST", "/apps/immich/restore", """{"nope":1}""", 400, "InvalidBody")]
    [InlineData("POST", "/apps/immich/restore", """{"timeoutSeconds":0}""", 400, "InvalidTimeout")]
    [InlineData("POST", "/apps/nosuchapp/restore/switch", "{}", 404, "AppNotFound")]
    [InlineData("POST", "/apps/immich/restore/switch", "{}", 404, "NoRestoreToSwitch")]
    [InlineData("POST", "/apps/immich/restore/cleanup", "{}", 404, "NothingToCleanUp")]
    [InlineData("GET", "/apps/nosuchapp/restore/status", null, 404, "AppNotFound")]
    [InlineData("GET", "/apps/Bad..Name/restore/status", null, 400, "InvalidAppName")]
    public async Task Refusals_come_as_error_bodies_before_anything_starts(string method, string path, string? body, int status, string code)
    {
        var (s, b) = await Api.SendAsync(new HttpMethod(method), I + path, body);
        Assert.Equal(status, s);
        Assert.Equal(code, b!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_second_restore_while_one_runs_is_409_and_cancelling_removes_the_first()
    {
        await BackUpAsync("redis");
        f.Cluster.Cluster.AddPodBehavior(new PodBehaviorRule { Namespace = "redis-restore", Behavior = PodBehavior.NeverReady });
        var id = await Api.StartAsync($"{I}/apps/redis/restore", new { timeoutSeconds = 120 });
        var (code, body) = await Api.SendAsync(HttpMethod.Post, $"{I}/apps/redis/restore", "{}");
        Assert.Equal(409, code);
        Assert.Contains(body!["code"]!.GetValue<string>(), new[] { "OperationRunning", "RestoreAwaitingSwitch", "AlreadyRunning" });
        // A backup of the same app waits its turn too.
        Assert.Equal(409, (await Api.SendAsync(HttpMethod.Post, $"{I}/apps/redis/backup", "{}")).Status);

        await WaitForAsync(async () => (await Api.OperationAsync(id))["message"]!.GetValue<string>().StartsWith(Milestones.Restore.WaitingForPods.Name, StringComparison.Ordinal));
        Assert.Equal(202, (await Api.SendAsync(HttpMethod.Delete, $"{I}/operations/{id}")).Status);
        var op = await Api.FinishedAsync(id);
        Assert.Equal("cancelled", op["status"]!.GetValue<string>());
        Assert.Null(await f.Cluster.GetAsync(Core.Kubernetes.ResourceKind.Namespace, null, "redis-restore", Timeout));
        Assert.False(Directory.Exists(Path.Combine(f.Cluster.InstancePath, "apps", "redis-restore")));
        Assert.Equal("none", (await Api.SendAsync(HttpMethod.Get, $"{I}/apps/redis/restore/status")).Body!["state"]!.GetValue<string>());
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in 60 s");
            await Task.Delay(50);
        }
    }
}
