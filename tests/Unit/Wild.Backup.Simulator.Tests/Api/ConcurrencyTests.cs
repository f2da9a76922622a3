using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Optimistic concurrency: resourceVersion and UID preconditions.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Replace_with_a_stale_resource_version_is_409_conflict()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var original = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, ns);
        var first = await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns);
        first.Data["v"] = "2";
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "c", ns);

        original.Data["v"] = "3";
        var status = await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.CoreV1.ReplaceNamespacedConfigMapAsync(original, "c", ns));
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again", status.Message);
        Assert.Equal("2", (await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns)).Data["v"]);
    }

    [Fact]
    public async Task Replace_without_resource_version_is_unconditional_for_built_in_kinds()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        var updated = await client.CoreV1.ReplaceNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["x"] = "y" } }, "c", ns);
        Assert.Equal("y", updated.Data["x"]);
    }

    [Fact]
    public async Task Replace_with_another_uid_is_a_precondition_conflict()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        cm.Metadata.Uid = Guid.NewGuid().ToString();
        var status = await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "c", ns));
        Assert.Contains("Precondition failed: UID in precondition", status.Message);
    }

    [Fact]
    public async Task Delete_preconditions_are_checked()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        var status = await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns,
            new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = "1" } }));
        Assert.Contains("Precondition failed: ResourceVersion in precondition: 1", status.Message);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("c", ns, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = cm.Metadata.Uid } });
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedConfigMapAsync("c", ns));
    }

    [Fact]
    public async Task Concurrent_unconditional_patches_all_apply()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("{\"data\":{\"k" + i + "\":\"v\"}}", V1Patch.PatchType.MergePatch), "c", ns)));
        Assert.Equal(10, (await client.CoreV1.ReadNamespacedConfigMapAsync("c", ns)).Data.Count);
    }
}
