using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Create/read/update/delete semantics through the typed client.</summary>
public sealed class CrudTests
{
    [Fact]
    public async Task Create_sets_uid_creation_timestamp_and_resource_version_and_round_trips_unknown_fields()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var created = await raw.PostAsync($"/api/v1/namespaces/{ns.Name}/configmaps",
            System.Text.Json.Nodes.JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"},"data":{"a":"1"},"futureField":{"x":1}}""")!);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("cfg", ns);
        Assert.True(Guid.TryParse(read.Metadata.Uid, out _));
        Assert.NotNull(read.Metadata.CreationTimestamp);
        Assert.True(long.Parse(read.Metadata.ResourceVersion) > 0);
        Assert.Equal("1", read.Data["a"]);
        Assert.Equal(1, (await raw.GetAsync($"/api/v1/namespaces/{ns.Name}/configmaps/cfg")).Json["futureField"]!["x"]!.GetValue<int>());
    }

    [Fact]
    public async Task Generate_name_appends_five_random_characters()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var a = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "job-" } }, ns);
        var b = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "job-" } }, ns);
        Assert.Matches("^job-[bcdfghjklmnpqrstvwxz2456789]{5}$", a.Metadata.Name);
        Assert.NotEqual(a.Metadata.Name, b.Metadata.Name);
        Assert.Equal("job-", a.Metadata.GenerateName);
    }

    [Fact]
    public async Task Creating_twice_is_409_AlreadyExists()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, ns);
        var status = await ApiAssert.FailsAsync(HttpStatusCode.Conflict,
            () => client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" } }, ns));
        Assert.Equal("AlreadyExists", status.Reason);
        Assert.Equal("secrets \"s\" already exists", status.Message);
        Assert.Equal("secrets", status.Details.Kind);
    }

    [Fact]
    public async Task Missing_object_is_404_with_details()
    {
        using var client = await SharedCluster.ClientAsync();
        var status = await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.AppsV1.ReadNamespacedDeploymentAsync("nope", "default"));
        Assert.Equal("NotFound", status.Reason);
        Assert.Equal("deployments.apps \"nope\" not found", status.Message);
        Assert.Equal("apps", status.Details.Group);
        Assert.Equal("deployments", status.Details.Kind);
        Assert.Equal("nope", status.Details.Name);
    }

    [Fact]
    public async Task Creating_in_a_missing_namespace_is_404_namespace_not_found()
    {
        using var client = await SharedCluster.ClientAsync();
        var status = await ApiAssert.FailsAsync(HttpStatusCode.NotFound,
            () => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } }, "no-such-ns"));
        Assert.Equal("namespaces \"no-such-ns\" not found", status.Message);
        Assert.Equal("namespaces", status.Details.Kind);
    }

    [Fact]
    public async Task Unknown_resource_path_is_plain_404()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var unknownResource = await raw.GetAsync("/api/v1/widgets");
        Assert.Equal(HttpStatusCode.NotFound, unknownResource.Status);
        Assert.Equal("404 page not found", unknownResource.Body.Trim());
        Assert.Equal(HttpStatusCode.NotFound, (await raw.GetAsync("/apis/example.com/v1/things")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await raw.GetAsync("/apis/apps/v2/deployments")).Status);
    }

    [Fact]
    public async Task Invalid_names_are_422_with_the_real_message()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity,
            () => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "Bad_Name" } }, ns));
        Assert.Equal("Invalid", status.Reason);
        Assert.StartsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", status.Message);
        Assert.Equal("ConfigMap", status.Details.Kind);
        Assert.Equal("metadata.name", status.Details.Causes.Single().Field);
        Assert.Equal("FieldValueInvalid", status.Details.Causes.Single().Reason);

        // Services need an RFC 1035 label (no leading digit); namespaces an RFC 1123 label (no dots).
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "1web" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] },
        }, ns));
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "a.b" } }));
    }

    [Fact]
    public async Task Creating_with_a_resource_version_is_refused()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "copy", ResourceVersion = "12" } }, ns));
        Assert.Equal(HttpStatusCode.InternalServerError, e.Response.StatusCode);
        Assert.Contains("resourceVersion should not be set on objects to be created", e.Response.Content);
    }

    [Fact]
    public async Task Replace_with_mismatched_name_is_400()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, ns);
        cm.Metadata.Name = "b";
        var status = await ApiAssert.FailsAsync(HttpStatusCode.BadRequest, () => client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "a", ns));
        Assert.Equal("the name of the object (b) does not match the name on the URL (a)", status.Message);
    }

    [Fact]
    public async Task No_op_update_keeps_the_resource_version()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        var same = await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "a", ns);
        Assert.Equal(cm.Metadata.ResourceVersion, same.Metadata.ResourceVersion);
        cm.Data["k"] = "w";
        var changed = await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "a", ns);
        Assert.True(long.Parse(changed.Metadata.ResourceVersion) > long.Parse(cm.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Secret_string_data_is_merged_into_base64_data()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var secret = await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Data = new Dictionary<string, byte[]> { ["user"] = "admin"u8.ToArray() },
            StringData = new Dictionary<string, string> { ["password"] = "s3cret" },
        }, ns);
        Assert.Null(secret.StringData);
        Assert.Equal("Opaque", secret.Type);
        Assert.Equal("s3cret", System.Text.Encoding.UTF8.GetString(secret.Data["password"]));
        Assert.Equal("admin", System.Text.Encoding.UTF8.GetString(secret.Data["user"]));
    }

    [Fact]
    public async Task Delete_answers_status_for_configmaps_and_the_object_for_pods()
    {
        var cluster = await SharedCluster.GetAsync();
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(cluster);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, ns);
        var deleted = await raw.DeleteAsync($"/api/v1/namespaces/{ns.Name}/configmaps/a");
        Assert.Equal("Status", deleted.Json["kind"]!.GetValue<string>());
        Assert.Equal("Success", deleted.Json["status"]!.GetValue<string>());
        Assert.Equal("configmaps", deleted.Json["details"]!["kind"]!.GetValue<string>());
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedConfigMapAsync("a", ns));

        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("p"), ns);
        var pod = await raw.DeleteAsync($"/api/v1/namespaces/{ns.Name}/pods/p?gracePeriodSeconds=0");
        Assert.Equal("Pod", pod.Json["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_collection_removes_only_the_selected_objects()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        foreach (var (name, tier) in new[] { ("a", "cache"), ("b", "cache"), ("c", "db") })
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["tier"] = tier } } }, ns);
        }
        await client.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: "tier=cache");
        var left = (await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: "tier")).Items.Select(c => c.Metadata.Name);
        Assert.Equal(["c"], left);
    }

    [Fact]
    public async Task Built_in_list_items_carry_no_kind_but_custom_resources_do()
    {
        using var client = await SharedCluster.ClientAsync();
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var list = await raw.GetAsync("/api/v1/namespaces");
        Assert.Equal("NamespaceList", list.Json["kind"]!.GetValue<string>());
        Assert.Null(list.Json["items"]![0]!["kind"]);
    }

    [Fact]
    public async Task Cluster_scoped_objects_have_no_namespace_and_resource_versions_are_global()
    {
        using var client = await SharedCluster.ClientAsync();
        var name = $"sc-{Guid.NewGuid():N}"[..20];
        var sc = await client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ignored" }, Provisioner = "example.com/x" });
        Assert.Null(sc.Metadata.NamespaceProperty);
        Assert.Equal("Delete", sc.ReclaimPolicy);
        Assert.Equal("Immediate", sc.VolumeBindingMode);
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "after" } }, ns);
        Assert.True(long.Parse(cm.Metadata.ResourceVersion) > long.Parse(sc.Metadata.ResourceVersion));
        await client.StorageV1.DeleteStorageClassAsync(name);
    }

    [Fact]
    public async Task Default_namespaces_nodes_storage_class_and_kubernetes_service_exist()
    {
        using var client = await SharedCluster.ClientAsync();
        var names = (await client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name).ToList();
        Assert.Contains("default", names);
        Assert.Contains("kube-system", names);
        Assert.Contains("longhorn-system", names);
        var sc = await client.StorageV1.ReadStorageClassAsync("longhorn");
        Assert.Equal("driver.longhorn.io", sc.Provisioner);
        Assert.Equal("true", sc.Metadata.Annotations["storageclass.kubernetes.io/is-default-class"]);
        Assert.True(sc.AllowVolumeExpansion);
        var svc = await client.CoreV1.ReadNamespacedServiceAsync("kubernetes", "default");
        Assert.Equal("10.96.0.1", svc.Spec.ClusterIP);
    }
}
