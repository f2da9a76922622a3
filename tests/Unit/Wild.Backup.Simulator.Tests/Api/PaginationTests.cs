using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>limit/continue and list resourceVersion semantics.</summary>
public sealed class PaginationTests
{
    [Fact]
    public async Task Pages_are_a_consistent_snapshot_with_remaining_count()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = $"s{i}" } }, ns);
        }
        var page1 = await client.CoreV1.ListNamespacedSecretAsync(ns, limit: 2);
        Assert.Equal(["s0", "s1"], page1.Items.Select(s => s.Metadata.Name));
        Assert.Equal(3, page1.Metadata.RemainingItemCount);
        Assert.False(string.IsNullOrEmpty(page1.Metadata.ContinueProperty));

        // Changes after the first page do not show in later pages: they are read at the first page's revision.
        await client.CoreV1.DeleteNamespacedSecretAsync("s3", ns);
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s5" } }, ns);
        var page2 = await client.CoreV1.ListNamespacedSecretAsync(ns, limit: 2, continueParameter: page1.Metadata.ContinueProperty);
        Assert.Equal(["s2", "s3"], page2.Items.Select(s => s.Metadata.Name));
        Assert.Equal(page1.Metadata.ResourceVersion, page2.Metadata.ResourceVersion);
        var page3 = await client.CoreV1.ListNamespacedSecretAsync(ns, limit: 2, continueParameter: page2.Metadata.ContinueProperty);
        Assert.Equal(["s4"], page3.Items.Select(s => s.Metadata.Name));
        Assert.Null(page3.Metadata.ContinueProperty);
    }

    [Fact]
    public async Task Continue_token_after_compaction_is_410_and_bad_token_is_400()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { RunControllers = false });
        using var client = Clients.FromKubeconfigFile(cluster);
        for (var i = 0; i < 3; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } }, "default");
        }
        var page1 = await client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 1);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "later" } }, "default");
        cluster.CompactHistory();
        var expired = await ApiAssert.FailsAsync(HttpStatusCode.Gone,
            () => client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 1, continueParameter: page1.Metadata.ContinueProperty));
        Assert.Equal("Expired", expired.Reason);
        Assert.StartsWith("The provided continue parameter is too old", expired.Message);
        var bad = await ApiAssert.FailsAsync(HttpStatusCode.BadRequest,
            () => client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 1, continueParameter: "garbage"));
        Assert.StartsWith("continue key is not valid", bad.Message);
    }

    [Fact]
    public async Task Exact_resource_version_reads_the_past_and_too_new_times_out()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var before = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" }, Data = new Dictionary<string, string> { ["v"] = "old" } }, ns);
        before.Data["v"] = "new";
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(before, "x", ns);
        var past = await client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersion: before.Metadata.ResourceVersion, resourceVersionMatch: "Exact");
        Assert.Equal("old", past.Items.Single(i => i.Metadata.Name == "x").Data["v"]);
        Assert.Equal(before.Metadata.ResourceVersion, past.Metadata.ResourceVersion);
        var now = await client.CoreV1.ListNamespacedConfigMapAsync(ns);
        Assert.Equal("new", now.Items.Single(i => i.Metadata.Name == "x").Data["v"]);

        var status = await ApiAssert.FailsAsync(HttpStatusCode.GatewayTimeout,
            () => client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersion: "999999999", resourceVersionMatch: "NotOlderThan"));
        Assert.StartsWith("Too large resource version", status.Message);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersionMatch: "Exact"));
    }
}
