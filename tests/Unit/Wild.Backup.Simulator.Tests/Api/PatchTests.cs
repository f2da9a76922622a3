using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>JSON merge patch, JSON patch and strategic merge patch.</summary>
public sealed class PatchTests
{
    [Fact]
    public async Task Merge_patch_merges_maps_replaces_lists_and_null_deletes()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "m", Labels = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } },
            Data = new Dictionary<string, string> { ["keep"] = "x", ["drop"] = "y" },
        }, ns);
        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"labels":{"b":null,"c":"3"}},"data":{"drop":null,"new":"z"}}""", V1Patch.PatchType.MergePatch), "m", ns);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["c"] = "3" }, patched.Metadata.Labels);
        Assert.Equal(new Dictionary<string, string> { ["keep"] = "x", ["new"] = "z" }, patched.Data);
    }

    [Fact]
    public async Task Json_patch_applies_operations_and_a_failed_test_is_422()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 1), ns);
        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""
            [{"op":"test","path":"/spec/replicas","value":1},
             {"op":"replace","path":"/spec/replicas","value":3},
             {"op":"add","path":"/metadata/labels/tier","value":"front"},
             {"op":"copy","from":"/metadata/labels/tier","path":"/metadata/annotations"}]
            """.Replace("\"path\":\"/metadata/annotations\"", "\"path\":\"/metadata/labels/copied\""), V1Patch.PatchType.JsonPatch), "web", ns);
        Assert.Equal(3, patched.Spec.Replicas);
        Assert.Equal("front", patched.Metadata.Labels["copied"]);

        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":5}]""", V1Patch.PatchType.JsonPatch), "web", ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("test failed", e.Response.Content);
        Assert.Equal(3, (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_by_name_and_env_by_name()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var d = Pods.Deployment("app", 1);
        d.Spec.Template.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "busybox:1.36", Env = [new V1EnvVar { Name = "A", Value = "1" }, new V1EnvVar { Name = "B", Value = "2" }] });
        await client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);

        var patch = """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37","env":[{"name":"B","value":"two"},{"name":"C","value":"3"}]}]}}}}""";
        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "app", ns);
        var containers = patched.Spec.Template.Spec.Containers;
        Assert.Equal(["app", "sidecar"], containers.Select(c => c.Name));
        Assert.Equal("nginx:1.27", containers[0].Image);
        Assert.Equal("busybox:1.37", containers[1].Image);
        Assert.Equal(["A=1", "B=two", "C=3"], containers[1].Env.Select(e => $"{e.Name}={e.Value}"));

        // The same body as a merge patch replaces the whole containers list.
        var merged = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.Replace("busybox:1.37", "busybox:1.38"), V1Patch.PatchType.MergePatch), "app", ns);
        Assert.Equal(["sidecar"], merged.Spec.Template.Spec.Containers.Select(c => c.Name));
    }

    [Fact]
    public async Task Strategic_merge_patch_directives_delete_and_replace()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var d = Pods.Deployment("app", 1);
        d.Spec.Template.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "busybox" });
        d.Metadata.Finalizers = ["example.com/a"];
        await client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);
        var deleted = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"metadata":{"finalizers":["example.com/b"],"labels":{"$patch":"replace","only":"this"}},"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}""",
            V1Patch.PatchType.StrategicMergePatch), "app", ns);
        Assert.Equal(["app"], deleted.Spec.Template.Spec.Containers.Select(c => c.Name));
        Assert.Equal(["example.com/a", "example.com/b"], deleted.Metadata.Finalizers);
        Assert.Equal(new Dictionary<string, string> { ["only"] = "this" }, deleted.Metadata.Labels);
        var removed = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/a","example.com/b"]}}""", V1Patch.PatchType.StrategicMergePatch), "app", ns);
        Assert.Null(removed.Metadata.Finalizers);
    }

    [Fact]
    public async Task Switching_to_recreate_needs_retain_keys_to_drop_rolling_update()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("app", 1), ns);
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"strategy":{"type":"Recreate"}}}""", V1Patch.PatchType.StrategicMergePatch), "app", ns));
        Assert.Contains("spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'", status.Message);
        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""", V1Patch.PatchType.StrategicMergePatch), "app", ns);
        Assert.Equal("Recreate", patched.Spec.Strategy.Type);
        Assert.Null(patched.Spec.Strategy.RollingUpdate);
    }

    [Fact]
    public async Task Service_ports_merge_by_port()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "svc" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }, new V1ServicePort { Name = "https", Port = 443 }] },
        }, ns);
        var patched = await client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("""{"spec":{"ports":[{"port":443,"targetPort":8443}]}}""", V1Patch.PatchType.StrategicMergePatch), "svc", ns);
        Assert.Equal(2, patched.Spec.Ports.Count);
        Assert.Equal("8443", patched.Spec.Ports.Single(p => p.Port == 443).TargetPort.Value);
        Assert.Equal("80", patched.Spec.Ports.Single(p => p.Port == 80).TargetPort.Value);
    }

    [Fact]
    public async Task Patch_with_a_stale_resource_version_is_409_and_patching_a_missing_object_is_404()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"1"}}""", V1Patch.PatchType.MergePatch), "c", ns);
        await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch($$$"""{"metadata":{"resourceVersion":"{{{cm.Metadata.ResourceVersion}}}"},"data":{"a":"2"}}""", V1Patch.PatchType.MergePatch), "c", ns));
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"a":"2"}}""", V1Patch.PatchType.MergePatch), "missing", ns));
    }

    [Fact]
    public async Task Unknown_patch_content_type_is_415()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var response = await raw.PatchAsync("/api/v1/namespaces/default/configmaps/kube-root-ca.crt", "{}", "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.Status);
        Assert.Contains("application/strategic-merge-patch+json", response.Json["message"]!.GetValue<string>());
    }
}
