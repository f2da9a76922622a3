using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Status subresource, generation, dry run.</summary>
public sealed class StatusAndGenerationTests
{
    [Fact]
    public async Task Main_endpoint_ignores_status_and_status_endpoint_ignores_spec()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { RunControllers = false });
        using var client = Clients.FromKubeconfigFile(cluster);
        var d = await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 1), "default");
        Assert.Null(d.Status);
        Assert.Equal(1, d.Metadata.Generation);

        d.Status = new V1DeploymentStatus { Replicas = 7 };
        d.Metadata.Labels["x"] = "y";
        var afterMeta = await client.AppsV1.ReplaceNamespacedDeploymentAsync(d, "web", "default");
        Assert.Null(afterMeta.Status);
        Assert.Equal(1, afterMeta.Metadata.Generation);

        afterMeta.Spec.Replicas = 3;
        afterMeta.Status = new V1DeploymentStatus { Replicas = 9, ObservedGeneration = 2 };
        var viaStatus = await client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(afterMeta, "web", "default");
        Assert.Equal(9, viaStatus.Status.Replicas);
        Assert.Equal(1, viaStatus.Spec.Replicas);
        Assert.Equal(1, viaStatus.Metadata.Generation);

        viaStatus.Spec.Replicas = 3;
        var afterSpec = await client.AppsV1.ReplaceNamespacedDeploymentAsync(viaStatus, "web", "default");
        Assert.Equal(2, afterSpec.Metadata.Generation);
        Assert.Equal(9, afterSpec.Status.Replicas);
    }

    [Fact]
    public async Task Dry_run_validates_but_does_not_persist()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var dry = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "dry" } }, ns, dryRun: "All");
        Assert.NotNull(dry.Metadata.Uid);
        Assert.Null(dry.Metadata.ResourceVersion);
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedConfigMapAsync("dry", ns));
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "No" } }, ns, dryRun: "All"));

        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "real" } }, ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("real", ns, dryRun: "All");
        await client.CoreV1.ReadNamespacedConfigMapAsync("real", ns);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await raw.DeleteAsync($"/api/v1/namespaces/{ns.Name}/configmaps/real?dryRun=Yes")).Status);
    }

    [Fact]
    public async Task Scale_subresource_reads_and_writes_replicas()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { RunControllers = false });
        using var client = Clients.FromKubeconfigFile(cluster);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 2), "default");
        var scale = await client.AppsV1.ReadNamespacedDeploymentScaleAsync("web", "default");
        Assert.Equal(2, scale.Spec.Replicas);
        Assert.Equal("app=web", scale.Status.Selector);
        scale.Spec.Replicas = 0;
        await client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "web", "default");
        Assert.Equal(0, (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Spec.Replicas);
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch), "web", "default");
        var d = await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        Assert.Equal(4, d.Spec.Replicas);
        Assert.Equal(3, d.Metadata.Generation);
        scale.Spec.Replicas = 1;
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "web", "default"));
    }
}
