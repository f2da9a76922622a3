using System.Net;
using k8s;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Discovery documents.</summary>
public sealed class DiscoveryTests
{
    [Fact]
    public async Task Core_group_lists_resources_and_subresources()
    {
        using var client = await SharedCluster.ClientAsync();
        var core = await client.CoreV1.GetAPIResourcesAsync();
        Assert.Equal("v1", core.GroupVersion);
        var pods = core.Resources.Single(r => r.Name == "pods");
        Assert.True(pods.Namespaced);
        Assert.Equal("Pod", pods.Kind);
        Assert.Contains("watch", pods.Verbs);
        Assert.Contains("po", pods.ShortNames);
        Assert.Contains(core.Resources, r => r.Name == "pods/status");
        Assert.Contains(core.Resources, r => r.Name == "pods/binding" && r.Kind == "Binding");
        Assert.False(core.Resources.Single(r => r.Name == "persistentvolumes").Namespaced);
        foreach (var name in new[] { "namespaces", "configmaps", "secrets", "services", "serviceaccounts", "persistentvolumeclaims", "events", "nodes" })
        {
            Assert.Contains(core.Resources, r => r.Name == name);
        }
    }

    [Fact]
    public async Task Api_groups_include_the_kinds_the_product_uses()
    {
        using var client = await SharedCluster.ClientAsync();
        var groups = await client.Apis.GetAPIVersionsAsync();
        foreach (var g in new[] { "apps", "batch", "networking.k8s.io", "policy", "storage.k8s.io", "apiextensions.k8s.io" })
        {
            Assert.Contains(groups.Groups, x => x.Name == g && x.PreferredVersion.Version == "v1");
        }
        var apps = await client.AppsV1.GetAPIResourcesAsync();
        var scale = apps.Resources.Single(r => r.Name == "deployments/scale");
        Assert.Equal("autoscaling", scale.Group);
        Assert.Equal("Scale", scale.Kind);
        Assert.Equal(["controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"], apps.Resources.Where(r => !r.Name.Contains('/')).Select(r => r.Name));
        var batch = await client.BatchV1.GetAPIResourcesAsync();
        Assert.Contains(batch.Resources, r => r.Name == "cronjobs");
        Assert.Contains((await client.NetworkingV1.GetAPIResourcesAsync()).Resources, r => r.Name == "networkpolicies");
        Assert.Contains((await client.PolicyV1.GetAPIResourcesAsync()).Resources, r => r.Name == "poddisruptionbudgets");
    }

    [Fact]
    public async Task Group_document_and_unknown_group()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var apps = await raw.GetAsync("/apis/apps");
        Assert.Equal("APIGroup", apps.Json["kind"]!.GetValue<string>());
        Assert.Equal("apps/v1", apps.Json["preferredVersion"]!["groupVersion"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await raw.GetAsync("/apis/nonexistent.example.com")).Status);
        var api = await raw.GetAsync("/api");
        Assert.Equal("v1", api.Json["versions"]![0]!.GetValue<string>());
        Assert.Equal("ok", (await raw.GetAsync("/readyz")).Body);
    }

    [Fact]
    public async Task Table_output_for_kubectl_get()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var table = await raw.GetAsync("/api/v1/nodes", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        Assert.Equal("Table", table.Json["kind"]!.GetValue<string>());
        Assert.Equal(["Name", "Status", "Roles", "Age", "Version"],
            table.Json["columnDefinitions"]!.AsArray().Where(c => c!["priority"]!.GetValue<int>() == 0).Select(c => c!["name"]!.GetValue<string>()));
        var rows = table.Json["rows"]!.AsArray();
        Assert.Equal(3, rows.Count);
        Assert.Equal("Ready", rows[0]!["cells"]![1]!.GetValue<string>());
        Assert.Equal("control-plane", rows[0]!["cells"]![2]!.GetValue<string>());
        Assert.Equal("PartialObjectMetadata", rows[0]!["object"]!["kind"]!.GetValue<string>());
        var generic = await raw.GetAsync("/api/v1/namespaces/default/configmaps", accept: "application/json;as=Table;v=v1;g=meta.k8s.io");
        Assert.Equal("Created At", generic.Json["columnDefinitions"]![1]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenApi_v3_advertises_server_side_field_validation_for_kubectl()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var root = await raw.GetAsync("/openapi/v3");
        var url = root.Json["paths"]!["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var doc = await raw.GetAsync(url);
        var patch = doc.Json["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"]!;
        Assert.Equal("Deployment", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
        Assert.Equal(HttpStatusCode.NotFound, (await raw.GetAsync("/openapi/v3/apis/nope/v1")).Status);
    }
}
