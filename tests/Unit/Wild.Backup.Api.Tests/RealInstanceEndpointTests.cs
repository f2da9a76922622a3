using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Api.Tests;

/// <summary>The API on a data dir as Wild Cloud leaves it (<see cref="RealisticWorld"/>): listing, backup, restore, and
/// the daemon's own operation records beside ours.</summary>
public sealed class RealInstanceEndpointTests : IAsyncLifetime
{
    private readonly RealisticWorld _world = new();
    private ApiServer _server = null!;
    private HttpClient _http = null!;
    private const string Home = "/api/v1/instances/home";

    public async Task InitializeAsync()
    {
        _server = await ApiServer.StartAsync(new ApiOptions { Urls = "http://127.0.0.1:0", DataDir = _world.DataDir, Destination = _world.Destination },
            b => b.SetMinimumLevel(LogLevel.Warning));
        _http = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        _world.Dispose();
    }

    private async Task<JsonNode> GetAsync(string path) => JsonNode.Parse(await _http.GetStringAsync(path))!;

    private async Task<JsonNode> RunAsync(string path, object? body = null)
    {
        using var response = await _http.PostAsJsonAsync(path, body ?? new { });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 202, $"POST {path}: {(int)response.StatusCode} {text}");
        var id = JsonNode.Parse(text)!["operation_id"]!.GetValue<string>();
        var instance = path.Split('/')[4];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var op = await GetAsync($"/api/v1/instances/{instance}/operations/{id}");
            if (op["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled") return op;
            Assert.True(DateTime.UtcNow < deadline, op.ToJsonString());
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Instances_apps_and_operations_are_listed_as_they_are()
    {
        var instances = (await GetAsync("/api/v1/instances")).AsArray().Select(i => i!["name"]!.GetValue<string>());
        Assert.Equal(["home", "lab"], instances);
        var apps = (await GetAsync($"{Home}/apps")).AsArray();
        Assert.Equal(RealisticWorld.HomeApps, apps.Select(a => a!["name"]!.GetValue<string>()));
        var webui = apps.Single(a => a!["name"]!.GetValue<string>() == "open-webui")!;
        Assert.Contains("'openWebui'", webui["warnings"]![0]!.GetValue<string>());
        Assert.Equal("llm", apps.Single(a => a!["name"]!.GetValue<string>() == "vllm")!["namespace"]!.GetValue<string>());

        var ops = (await GetAsync($"{Home}/operations")).AsArray();
        Assert.Equal(3, ops.Count(o => o!["origin"]!.GetValue<string>() == "daemon"));
        var bootstrap = await GetAsync($"{Home}/operations/{RealisticWorld.DaemonRecords.RunningBootstrap}");
        Assert.Equal("running", bootstrap["status"]!.GetValue<string>());
        Assert.Equal("daemon", bootstrap["origin"]!.GetValue<string>());
        Assert.Equal(2, bootstrap["details"]!["bootstrap"]!["current_step"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_daemons_operation_cannot_be_cancelled_here_by_either_route()
    {
        foreach (var (method, path) in new[] { (HttpMethod.Post, $"{Home}/operations/{RealisticWorld.DaemonRecords.RunningBootstrap}/cancel"), (HttpMethod.Delete, $"{Home}/operations/{RealisticWorld.DaemonRecords.RunningBootstrap}") })
        {
            using var response = await _http.SendAsync(new HttpRequestMessage(method, path));
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(409, (int)response.StatusCode);
            Assert.Equal("DaemonOperation", body["code"]!.GetValue<string>());
            Assert.Contains("Wild Cloud daemon", body["error"]!.GetValue<string>());
        }
        Assert.Equal("running", (await GetAsync($"{Home}/operations/{RealisticWorld.DaemonRecords.RunningBootstrap}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_app_and_the_cluster_are_backed_up_tested_and_restored_into_a_new_instance()
    {
        var all = await RunAsync($"{Home}/backup");
        Assert.Equal("completed", all["status"]!.GetValue<string>());
        Assert.Equal(RealisticWorld.HomeApps.Append("cluster").Order(StringComparer.Ordinal),
            all["result"]!["backups"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        var test = await RunAsync($"{Home}/backups/test", new { cluster = true });
        Assert.Equal("completed", test["status"]!.GetValue<string>());
        Assert.Empty(test["result"]!["results"]![0]!["warnings"]!.AsArray());

        Directory.CreateDirectory(_world.InstancePath("rebuilt"));
        var restore = await RunAsync("/api/v1/instances/rebuilt/cluster/restore", new { fromInstance = "home" });
        Assert.Equal("completed", restore["status"]!.GetValue<string>());
        var items = restore["result"]!["items"]!.AsArray().Select(i => $"{i!["item"]}: {i["action"]}").ToList();
        Assert.Contains("talos/generated: created", items);
        Assert.Contains("setup/cluster-nodes: created", items);
        Assert.True(File.Exists(Path.Combine(_world.InstancePath("rebuilt"), "talos", "generated", "secrets.yaml")));
        var text = all.ToJsonString() + test.ToJsonString() + restore.ToJsonString();
        Assert.All(_world.Secrets, s => Assert.DoesNotContain(s, text));
    }

    [Fact]
    public async Task A_cluster_backup_without_the_Talos_PKI_is_tested_with_a_warning()
    {
        await RunAsync("/api/v1/instances/lab/cluster/backup");
        var test = await RunAsync("/api/v1/instances/lab/backups/test", new { cluster = true });
        Assert.Equal("completed", test["status"]!.GetValue<string>());
        Assert.Contains("no Talos cluster PKI", test["result"]!["results"]![0]!["warnings"]![0]!.GetValue<string>());
    }
}
