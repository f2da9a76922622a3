using System.Threading.Channels;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Watch streams through KubernetesClient's watch API and raw HTTP.</summary>
public sealed class WatchTests
{
    [Fact]
    public async Task Typed_watch_sees_added_modified_deleted_in_order()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns);
        var events = Channel.CreateUnbounded<(WatchEventType, V1ConfigMap)>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var pump = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cts.Token))
            {
                if (item.Metadata.Name == "w") await events.Writer.WriteAsync((type, item));
            }
        });

        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w" } }, ns);
        created.Data = new Dictionary<string, string> { ["k"] = "v" };
        var modified = await client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "w", ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("w", ns);

        var e1 = await events.Reader.ReadAsync(cts.Token);
        var e2 = await events.Reader.ReadAsync(cts.Token);
        var e3 = await events.Reader.ReadAsync(cts.Token);
        Assert.Equal(WatchEventType.Added, e1.Item1);
        Assert.Equal(WatchEventType.Modified, e2.Item1);
        Assert.Equal("v", e2.Item2.Data["k"]);
        Assert.Equal(modified.Metadata.ResourceVersion, e2.Item2.Metadata.ResourceVersion);
        Assert.Equal(WatchEventType.Deleted, e3.Item1);
        Assert.True(long.Parse(e3.Item2.Metadata.ResourceVersion) > long.Parse(modified.Metadata.ResourceVersion));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pump);
    }

    [Fact]
    public async Task Watch_from_an_old_resource_version_replays_history()
    {
        var cluster = await SharedCluster.GetAsync();
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var a = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("a", ns);
        using var raw = new RawApi(cluster);
        using var watch = await raw.WatchAsync($"/api/v1/namespaces/{ns.Name}/configmaps?watch=true&resourceVersion={a.Metadata.ResourceVersion}");
        var first = await watch.NextAsync();
        var second = await watch.NextAsync();
        Assert.Equal("ADDED", first!["type"]!.GetValue<string>());
        Assert.Equal("b", first["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("DELETED", second!["type"]!.GetValue<string>());
        Assert.Equal("a", second["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Too_old_resource_version_yields_a_410_error_event()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { RunControllers = false });
        using var client = Clients.FromKubeconfigFile(cluster);
        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, "default");
        cluster.CompactHistory();
        var errors = new List<Exception>();
        var seen = 0;
        await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: list.Metadata.ResourceVersion, onError: errors.Add))
        {
            seen++;
        }
        Assert.Equal(0, seen);
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.StartsWith("too old resource version", error.Status.Message);
    }

    [Fact]
    public async Task Watch_ends_at_timeout_seconds()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var started = DateTime.UtcNow;
        using var watch = await raw.WatchAsync("/api/v1/namespaces/kube-public/secrets?watch=1&timeoutSeconds=1&resourceVersion=" + (await SharedCluster.GetAsync()).ResourceVersion);
        Assert.Null(await watch.NextAsync(TimeSpan.FromSeconds(10)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Bookmarks_carry_the_current_resource_version()
    {
        var cluster = await SharedCluster.GetAsync();
        using var raw = new RawApi(cluster);
        var rv = cluster.ResourceVersion;
        using var watch = await raw.WatchAsync($"/api/v1/namespaces/kube-public/secrets?watch=1&allowWatchBookmarks=true&resourceVersion={rv}");
        JsonObjectShim? e;
        do
        {
            e = JsonObjectShim.From(await watch.NextAsync());
        }
        while (e is not null && e.Type != "BOOKMARK");
        Assert.NotNull(e);
        Assert.Equal("Secret", e.Object["kind"]!.GetValue<string>());
        Assert.True(long.Parse(e.Object["metadata"]!["resourceVersion"]!.GetValue<string>()) >= rv);
    }

    [Fact]
    public async Task Send_initial_events_ends_with_an_annotated_bookmark()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "one" } }, ns);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        using var watch = await raw.WatchAsync($"/api/v1/namespaces/{ns.Name}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        var names = new List<string>();
        while (true)
        {
            var e = JsonObjectShim.From(await watch.NextAsync())!;
            if (e.Type == "BOOKMARK")
            {
                Assert.Equal("true", e.Object["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
                break;
            }
            Assert.Equal("ADDED", e.Type);
            names.Add(e.Object["metadata"]!["name"]!.GetValue<string>());
        }
        Assert.Contains("one", names);
    }

    [Fact]
    public async Task Label_selector_watch_reports_objects_leaving_the_selection_as_deleted()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "m", Labels = new Dictionary<string, string> { ["keep"] = "yes" } } }, ns);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        using var watch = await raw.WatchAsync($"/api/v1/namespaces/{ns.Name}/configmaps?watch=1&labelSelector=keep%3Dyes&resourceVersion={cm.Metadata.ResourceVersion}");
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"keep":"no"}}}""", V1Patch.PatchType.MergePatch), "m", ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"keep":"yes"}}}""", V1Patch.PatchType.MergePatch), "m", ns);
        Assert.Equal("DELETED", JsonObjectShim.From(await watch.NextAsync())!.Type);
        Assert.Equal("ADDED", JsonObjectShim.From(await watch.NextAsync())!.Type);
    }

    private sealed record JsonObjectShim(string Type, System.Text.Json.Nodes.JsonObject Object)
    {
        public static JsonObjectShim? From(System.Text.Json.Nodes.JsonObject? e)
            => e is null ? null : new JsonObjectShim(e["type"]!.GetValue<string>(), e["object"]!.AsObject());
    }
}
