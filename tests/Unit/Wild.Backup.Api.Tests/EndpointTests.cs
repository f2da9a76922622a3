using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;
using static Wild.Backup.Api.Tests.ApiWorld;

namespace Wild.Backup.Api.Tests;

public sealed class EndpointTests : IAsyncLifetime
{
    private ApiWorld _api = null!;
    public async Task InitializeAsync() => _api = await ApiWorld.StartAsync();
    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Instances_and_apps_are_listed()
    {
        var instances = JsonNode.Parse(await _api.Http.GetStringAsync("/api/v1/instances"))!.AsArray();
        Assert.Equal("demo-cloud", Assert.Single(instances)!["name"]!.GetValue<string>());
        Assert.EndsWith("/instances/demo-cloud", Assert.Single(instances)!["path"]!.GetValue<string>());
        var apps = JsonNode.Parse(await _api.Http.GetStringAsync($"{I}/apps"))!.AsArray();
        Assert.Equal(["gitea", "immich", "postgres", "redis"], apps.Select(a => a!["name"]!.GetValue<string>()));
        Assert.Equal(["postgres"], apps[0]!["requires"]!.AsArray().Select(r => r!.GetValue<string>()));
    }

    [Fact]
    public async Task App_backup_answers_202_completes_and_its_metadata_is_served()
    {
        using var response = await _api.Http.PostAsync($"{I}/apps/gitea/backup", null);
        Assert.Equal(202, (int)response.StatusCode);
        var id = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["operation_id"]!.GetValue<string>();
        var op = await _api.FinishedAsync(id);
        Assert.Equal("completed", op["status"]!.GetValue<string>());
        Assert.Equal("backup_app", op["type"]!.GetValue<string>());
        Assert.Equal(100, op["progress"]!.GetValue<int>());
        Assert.Equal("gitea", op["result"]!["name"]!.GetValue<string>());

        var meta = JsonNode.Parse(await _api.Http.GetStringAsync($"{I}/apps/gitea/backup"))!;
        Assert.Equal("gitea", meta["name"]!.GetValue<string>());
        Assert.True(meta["size"]!.GetValue<long>() > 0);
        Assert.EndsWith("/demo-cloud/backups/apps/gitea", meta["location"]!.GetValue<string>());
        Assert.NotNull(meta["createdAt"]);
    }

    [Fact]
    public async Task The_destination_check_reports_a_writable_store_with_free_space()
    {
        var check = JsonNode.Parse(await _api.Http.GetStringAsync($"{I}/destination"))!;
        Assert.True(check["ok"]!.GetValue<bool>());
        Assert.True(check["writable"]!.GetValue<bool>());
        Assert.True(check["freeBytes"]!.GetValue<long>() > 0);
        Assert.Empty(check["problems"]!.AsArray());
    }

    [Fact]
    public async Task Several_apps_are_backed_up_as_one_operation_with_an_output_per_app()
    {
        var op = await _api.FinishedAsync(await _api.StartAsync($"{I}/apps/backup", new { apps = new[] { "gitea", "redis" } }));
        Assert.Equal("completed", op["status"]!.GetValue<string>());
        Assert.Equal("backup_apps", op["type"]!.GetValue<string>());
        Assert.Equal(["gitea", "redis"], op["result"]!["backups"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()));
        var partial = await _api.FinishedAsync(await _api.StartAsync($"{I}/apps/backup", new { apps = new[] { "gitea", "nope" } }));
        Assert.Equal("failed", partial["status"]!.GetValue<string>());
        Assert.Equal("AppNotFound", partial["result"]!["failures"]![0]!["failure"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Backing_up_the_instance_takes_every_app_and_the_cluster_and_the_list_shows_them()
    {
        var op = await _api.FinishedAsync(await _api.StartAsync($"{I}/backup"));
        Assert.Equal("completed", op["status"]!.GetValue<string>());
        Assert.Equal(5, op["result"]!["backups"]!.AsArray().Count);
        var list = JsonNode.Parse(await _api.Http.GetStringAsync($"{I}/backups"))!.AsArray();
        Assert.Equal(["cluster", "gitea", "immich", "postgres", "redis"], list.Select(b => b!["name"]!.GetValue<string>()));
        var cluster = JsonNode.Parse(await _api.Http.GetStringAsync($"{I}/cluster/backup"))!;
        Assert.Equal("cluster", cluster["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cluster_backup_restore_and_test_run_as_operations()
    {
        Assert.Equal("completed", (await _api.FinishedAsync(await _api.StartAsync($"{I}/cluster/backup")))["status"]!.GetValue<string>());
        File.WriteAllText(Path.Combine(_api.World.InstancePath, "kubeconfig"), "broken");
        var restore = await _api.FinishedAsync(await _api.StartAsync($"{I}/cluster/restore", new { }));
        Assert.Equal("completed", restore["status"]!.GetValue<string>());
        Assert.Contains(restore["result"]!["items"]!.AsArray(), i => i!["item"]!.GetValue<string>() == "kubeconfig" && i["action"]!.GetValue<string>() == "replaced");
        Assert.NotEqual("broken", File.ReadAllText(Path.Combine(_api.World.InstancePath, "kubeconfig")));

        var test = await _api.FinishedAsync(await _api.StartAsync($"{I}/backups/test", new { cluster = true }));
        Assert.Equal("completed", test["status"]!.GetValue<string>());
        Assert.True(test["result"]!["results"]![0]!["passed"]!.GetValue<bool>());

        File.AppendAllText(_api.World.BackupDir("cluster/talosconfig"), "tampered");
        var damaged = await _api.FinishedAsync(await _api.StartAsync($"{I}/backups/test", new { cluster = true }));
        Assert.Equal("failed", damaged["status"]!.GetValue<string>());
        Assert.Equal("PartialFailure", damaged["error"]!["code"]!.GetValue<string>());
        Assert.Equal("talosconfig", damaged["result"]!["results"]![0]!["problems"]![0]!["file"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_app_failing_in_an_instance_backup_is_reported_and_the_rest_are_backed_up()
    {
        File.WriteAllText(Path.Combine(_api.World.InstancePath, "secrets.yaml"), "apps: [broken\n");
        var op = await _api.FinishedAsync(await _api.StartAsync($"{I}/backup"));
        Assert.Equal("failed", op["status"]!.GetValue<string>());
        Assert.Equal("PartialFailure", op["error"]!["code"]!.GetValue<string>());
        Assert.Contains("secrets.yaml is not valid YAML", op["error"]!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/api/v1/instances/nope/backups", "InstanceNotFound")]
    [InlineData($"{I}/apps/nextcloud/backup", "BackupNotFound")]
    [InlineData($"{I}/operations/op-20260101000000-00000000", "OperationNotFound")]
    [InlineData($"{I}/cluster/backup", "BackupNotFound")]
    [InlineData("/api/v1/nothing/here", "RouteNotFound")]
    public async Task Unknown_things_are_404_with_a_json_error(string path, string code)
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Get, path);
        Assert.Equal(404, status);
        Assert.Equal(code, body!["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["error"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Backing_up_an_unknown_app_is_404_at_once()
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Post, $"{I}/apps/nextcloud/backup");
        Assert.Equal(404, status);
        Assert.Equal("AppNotFound", body!["code"]!.GetValue<string>());
    }
}

public sealed class StorageErrorTests
{
    [Fact]
    public async Task Unreachable_storage_is_503_with_the_exact_message()
    {
        await using var api = await ApiWorld.StartAsync(o => o with { Destination = "/nonexistent/nas" });
        foreach (var (method, path) in new[] { (HttpMethod.Get, $"{I}/backups"), (HttpMethod.Post, $"{I}/apps/gitea/backup"), (HttpMethod.Post, $"{I}/backup") })
        {
            var (status, body) = await api.SendAsync(method, path);
            Assert.Equal(503, status);
            Assert.Equal("StorageUnreachable", body!["code"]!.GetValue<string>());
            Assert.Equal("Cannot reach backup storage. Check network connection.", body["error"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Too_little_space_is_507_with_the_exact_message()
    {
        using var tmpfs = Wild.Backup.Testing.TmpfsMount.Create(sizeMiB: 1);
        File.WriteAllBytes(Path.Combine(tmpfs.Path, "filler"), new byte[1000 * 1024]);
        await using var api = await ApiWorld.StartAsync(o => o with { Destination = tmpfs.Path });
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"{I}/apps/gitea/backup");
        Assert.Equal(507, status);
        Assert.Matches(@"^Not enough space on backup storage \(need \d+\.\d GB\)$", body!["error"]!.GetValue<string>());
    }
}
