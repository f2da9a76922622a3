using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Finalizers, deletionTimestamp, propagation policies and garbage collection.</summary>
public sealed class DeletionTests
{
    [Fact]
    public async Task Delete_with_a_finalizer_sets_deletion_timestamp_and_the_object_goes_when_it_is_removed()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] } }, ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("held", ns);
        var deleting = await client.CoreV1.ReadNamespacedConfigMapAsync("held", ns);
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(0, deleting.Metadata.DeletionGracePeriodSeconds);

        deleting.Metadata.Finalizers.Add("example.com/late");
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedConfigMapAsync(deleting, "held", ns));
        Assert.Contains("no new finalizers can be added if the object is being deleted", status.Message);

        deleting.Metadata.Finalizers = [];
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(deleting, "held", ns);
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedConfigMapAsync("held", ns));
    }

    private static V1ConfigMap Dependent(string name, V1ConfigMap owner, bool block = true) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = owner.Metadata.Name, Uid = owner.Metadata.Uid, BlockOwnerDeletion = block }],
        },
    };

    [Fact]
    public async Task Background_deletion_garbage_collects_dependents()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Dependent("child", owner), ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Background");
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name=child")).Items.Count == 0, "child collected");
    }

    [Fact]
    public async Task Orphan_deletion_keeps_dependents_and_removes_the_reference()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Dependent("child", owner), ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Orphan");
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name=owner")).Items.Count == 0, "owner gone");
        var child = await client.CoreV1.ReadNamespacedConfigMapAsync("child", ns);
        Assert.Null(child.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_blocking_dependents_are_gone()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var owner = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owner" } }, ns);
        var child = Dependent("child", owner);
        child.Metadata.Finalizers = ["example.com/slow"];
        await client.CoreV1.CreateNamespacedConfigMapAsync(child, ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("owner", ns, propagationPolicy: "Foreground");
        var deleting = await client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns);
        Assert.Contains("foregroundDeletion", deleting.Metadata.Finalizers);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadNamespacedConfigMapAsync("child", ns)).Metadata.DeletionTimestamp is not null, "child being deleted");
        Assert.NotNull(await client.CoreV1.ReadNamespacedConfigMapAsync("owner", ns));

        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "child", ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name=owner")).Items.Count == 0, "owner gone");
    }

    [Fact]
    public async Task Objects_created_with_a_missing_owner_are_collected()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var ghost = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ghost", Uid = Guid.NewGuid().ToString() } };
        await client.CoreV1.CreateNamespacedConfigMapAsync(Dependent("orphan", ghost), ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name=orphan")).Items.Count == 0, "dangling dependent collected");
    }

    [Fact]
    public async Task Deleting_a_job_orphans_its_pods_by_default_with_a_warning()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.BatchV1.CreateNamespacedJobAsync(Jobs.Sleep("j", runSeconds: "30"), ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=j")).Items.Count == 1, "job pod");
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var response = await raw.DeleteAsync($"/apis/batch/v1/namespaces/{ns.Name}/jobs/j");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("child pods are preserved by default when jobs are deleted"));
        await Eventually.WaitAsync(async () => (await client.BatchV1.ListNamespacedJobAsync(ns)).Items.Count == 0, "job gone");
        var pod = (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=j")).Items.Single();
        Assert.Null(pod.Metadata.OwnerReferences);
    }
}
