using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Namespace lifecycle: defaults, termination, content removal, admission.</summary>
public sealed class NamespaceTests
{
    [Fact]
    public async Task New_namespace_is_active_labelled_and_gets_default_service_account_and_root_ca()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var obj = await client.CoreV1.ReadNamespaceAsync(ns);
        Assert.Equal("Active", obj.Status.Phase);
        Assert.Equal(["kubernetes"], obj.Spec.Finalizers);
        Assert.Equal(ns.Name, obj.Metadata.Labels["kubernetes.io/metadata.name"]);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items.Any(sa => sa.Metadata.Name == "default"), "default service account");
        var ca = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", ns), _ => true, "root CA config map");
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", ca.Data["ca.crt"]);
    }

    [Fact]
    public async Task Deleting_a_namespace_terminates_it_removes_content_then_the_namespace()
    {
        using var client = await SharedCluster.ClientAsync();
        var ns = await TestNamespace.CreateAsync(client, "term");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] } }, ns);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 2), ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 2, "pods");

        await client.CoreV1.DeleteNamespaceAsync(ns);
        var terminating = await client.CoreV1.ReadNamespaceAsync(ns);
        Assert.Equal("Terminating", terminating.Status.Phase);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);

        var status = await ApiAssert.FailsAsync(HttpStatusCode.Forbidden,
            () => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "late" } }, ns));
        Assert.Equal($"configmaps \"late\" is forbidden: unable to create new content in namespace {ns.Name} because it is being terminated", status.Message);
        Assert.Equal("NamespaceTerminating", status.Details.Causes.Single().Reason);

        var blocked = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespaceAsync(ns),
            n => n.Status.Conditions?.Any(c => c.Type == "NamespaceFinalizersRemaining" && c.Status == "True") == true
                 && n.Status.Conditions.Any(c => c.Type == "NamespaceContentRemaining" && c.Message == "Some resources are remaining: configmaps. has 1 resource instances"),
            "namespace reports the held config map");
        Assert.Contains("example.com/hold in 1 resource instances", blocked.Status.Conditions.Single(c => c.Type == "NamespaceFinalizersRemaining").Message);
        Assert.Empty((await client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(ns)).Items);

        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held", ns);
        await Eventually.WaitAsync(async () => !(await client.CoreV1.ListNamespaceAsync()).Items.Any(n => n.Metadata.Name == ns.Name), "namespace gone");
    }

    [Fact]
    public async Task System_namespaces_cannot_be_deleted()
    {
        using var client = await SharedCluster.ClientAsync();
        var status = await ApiAssert.FailsAsync(HttpStatusCode.Forbidden, () => client.CoreV1.DeleteNamespaceAsync("default"));
        Assert.Equal("namespaces \"default\" is forbidden: this namespace may not be deleted", status.Message);
    }

    [Fact]
    public async Task Namespace_spec_finalizers_only_change_through_finalize()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var obj = await client.CoreV1.ReadNamespaceAsync(ns);
        obj.Spec.Finalizers = [];
        var updated = await client.CoreV1.ReplaceNamespaceAsync(obj, ns);
        Assert.Equal(["kubernetes"], updated.Spec.Finalizers);
    }
}
