using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>CustomResourceDefinitions and custom resources through the typed and generic clients.</summary>
public sealed class CustomResourceTests
{
    private static string Group() => $"g{Guid.NewGuid().ToString("N")[..8]}.wildbackup.io";

    private static async Task<V1CustomResourceDefinition> EstablishAsync(Kubernetes client, V1CustomResourceDefinition crd)
    {
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        return await Eventually.WaitAsync(() => client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name),
            c => c.Status?.Conditions?.Any(x => x.Type == "Established" && x.Status == "True") == true, "CRD established");
    }

    private static JsonObject Widget(string group, string name, object spec) => new()
    {
        ["apiVersion"] = $"{group}/v1beta2",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = JsonNode.Parse(KubernetesJson.Serialize(spec)),
    };

    [Fact]
    public async Task Crd_becomes_established_and_is_served_with_discovery()
    {
        using var client = await SharedCluster.ClientAsync();
        var group = Group();
        using var raw = new RawApi(await SharedCluster.GetAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await raw.GetAsync($"/apis/{group}/v1beta2/namespaces/default/widgets")).Status);
        var crd = await EstablishAsync(client, Crds.Widget(group));
        Assert.Equal("widgets", crd.Status.AcceptedNames.Plural);
        Assert.Contains("customresourcecleanup.apiextensions.k8s.io", crd.Metadata.Finalizers);
        Assert.Equal(["v1beta2"], crd.Status.StoredVersions);

        var groups = await raw.GetAsync("/apis");
        Assert.Contains(groups.Json["groups"]!.AsArray(), g => g!["name"]!.GetValue<string>() == group);
        var resources = (await raw.GetAsync($"/apis/{group}/v1beta2")).Json["resources"]!.AsArray();
        Assert.Contains(resources, r => r!["name"]!.GetValue<string>() == "widgets" && r["namespaced"]!.GetValue<bool>() && r["kind"]!.GetValue<string>() == "Widget");
        Assert.Contains(resources, r => r!["name"]!.GetValue<string>() == "widgets/status");
    }

    [Fact]
    public async Task Generic_client_crud_with_schema_defaults_pruning_and_validation()
    {
        using var client = await SharedCluster.ClientAsync();
        var group = Group();
        await EstablishAsync(client, Crds.Widget(group));
        await using var ns = await TestNamespace.CreateAsync(client);
        using var generic = new GenericClient(client, group, "v1beta2", "widgets", disposeClient: false);

        var body = Widget(group, "w1", new { size = 3, tags = new[] { "a" } });
        body["spec"]!["unknown"] = "pruned";
        body["extraTopLevel"] = "pruned too";
        var created = await generic.CreateNamespacedAsync(new GenericWidget(body), ns);
        Assert.Equal(1L, created.Metadata.Generation);
        var stored = JsonNode.Parse(KubernetesJson.Serialize(await generic.ReadNamespacedAsync<GenericWidget>(ns, "w1")))!;
        Assert.Equal("blue", stored["spec"]!["color"]!.GetValue<string>());
        Assert.Null(stored["spec"]!["unknown"]);
        Assert.Null(stored["extraTopLevel"]);

        var invalid = Widget(group, "w2", new { size = 0, color = "green" });
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => generic.CreateNamespacedAsync(new GenericWidget(invalid), ns));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("spec.size in body should be greater than or equal to 1", e.Response.Content);
        Assert.Contains("spec.color: Unsupported value: \"green\"", KubernetesJson.Deserialize<V1Status>(e.Response.Content).Message);
        var missing = Widget(group, "w3", new { color = "red" });
        e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => generic.CreateNamespacedAsync(new GenericWidget(missing), ns));
        Assert.Contains("spec.size: Required value", e.Response.Content);

        var list = await generic.ListNamespacedAsync<GenericWidgetList>(ns);
        Assert.Equal("w1", Assert.Single(list.Items).Metadata.Name);
        Assert.Equal("Widget", list.Items[0].Kind);

        await generic.DeleteNamespacedAsync<GenericWidget>(ns, "w1");
        Assert.Empty((await generic.ListNamespacedAsync<GenericWidgetList>(ns)).Items);
    }

    [Fact]
    public async Task Custom_resources_need_a_resource_version_to_update_and_refuse_strategic_merge()
    {
        using var client = await SharedCluster.ClientAsync();
        var group = Group();
        await EstablishAsync(client, Crds.Widget(group));
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var path = $"/apis/{group}/v1beta2/namespaces/{ns.Name}/widgets";
        Assert.Equal(HttpStatusCode.Created, (await raw.PostAsync(path, Widget(group, "w", new { size = 1 }))).Status);

        var unconditional = await raw.PutAsync(path + "/w", Widget(group, "w", new { size = 2 }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unconditional.Status);
        Assert.Contains("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", unconditional.Json["message"]!.GetValue<string>());

        var smp = await raw.PatchAsync(path + "/w", """{"spec":{"size":2}}""", "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, smp.Status);
        var merge = await raw.PatchAsync(path + "/w", """{"spec":{"size":2}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, merge.Status);
        Assert.Equal(2, merge.Json["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Status_subresource_of_a_crd_separates_spec_and_status()
    {
        using var client = await SharedCluster.ClientAsync();
        var group = Group();
        await EstablishAsync(client, Crds.Widget(group));
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var path = $"/apis/{group}/v1beta2/namespaces/{ns.Name}/widgets/w";
        var body = Widget(group, "w", new { size = 1 });
        body["status"] = new JsonObject { ["state"] = "ignored-on-create" };
        var created = (await raw.PostAsync($"/apis/{group}/v1beta2/namespaces/{ns.Name}/widgets", body)).Json;
        Assert.Null(created["status"]);

        var status = await raw.PatchAsync(path + "/status", """{"status":{"state":"attached","robustness":"healthy"},"spec":{"size":9}}""", "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Equal("attached", status.Json["status"]!["state"]!.GetValue<string>());
        Assert.Equal(1, status.Json["spec"]!["size"]!.GetValue<int>());
        Assert.Equal(1, status.Json["metadata"]!["generation"]!.GetValue<long>());

        var main = await raw.PatchAsync(path, """{"status":{"state":"detached"}}""", "application/merge-patch+json");
        Assert.Equal("attached", main.Json["status"]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cluster_scoped_crd_and_deleting_the_crd_removes_its_objects()
    {
        using var client = await SharedCluster.ClientAsync();
        var group = Group();
        await EstablishAsync(client, Crds.Widget(group, plural: "gizmos", kind: "Gizmo", scope: "Cluster", statusSubresource: false));
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var gizmo = new JsonObject { ["apiVersion"] = $"{group}/v1beta2", ["kind"] = "Gizmo", ["metadata"] = new JsonObject { ["name"] = "g1" }, ["spec"] = new JsonObject { ["size"] = 1 }, ["status"] = new JsonObject { ["kept"] = true } };
        var created = await raw.PostAsync($"/apis/{group}/v1beta2/gizmos", gizmo);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.True(created.Json["status"]!["kept"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.NotFound, (await raw.GetAsync($"/apis/{group}/v1beta2/namespaces/default/gizmos")).Status);

        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync($"gizmos.{group}");
        await Eventually.WaitAsync(async () => (await raw.GetAsync($"/apis/{group}/v1beta2/gizmos")).Status == HttpStatusCode.NotFound, "gizmos no longer served");
        await Eventually.WaitAsync(async () => !(await client.ApiextensionsV1.ListCustomResourceDefinitionAsync()).Items.Any(c => c.Metadata.Name == $"gizmos.{group}"), "CRD gone");
    }

    [Fact]
    public async Task Crd_name_must_be_plural_dot_group()
    {
        using var client = await SharedCluster.ClientAsync();
        var crd = Crds.Widget(Group());
        crd.Metadata.Name = "wrong.example.com";
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd));
        Assert.Contains("must be spec.names.plural+\".\"+spec.group", status.Message);
    }

    [Fact]
    public async Task Typed_watch_works_on_custom_resources()
    {
        using var client = await SharedCluster.ClientAsync();
        var group = Group();
        await EstablishAsync(client, Crds.Widget(group));
        await using var ns = await TestNamespace.CreateAsync(client);
        using var generic = new GenericClient(client, group, "v1beta2", "widgets", disposeClient: false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new TaskCompletionSource<(WatchEventType, GenericWidget)>();
        var pump = Task.Run(async () =>
        {
            await foreach (var (type, item) in generic.WatchNamespacedAsync<GenericWidget>(ns, cancel: cts.Token))
            {
                seen.TrySetResult((type, item));
                break;
            }
        });
        await Task.Delay(200);
        await generic.CreateNamespacedAsync(new GenericWidget(Widget(group, "watched", new { size = 1 })), ns);
        var (eventType, widget) = await seen.Task.WaitAsync(cts.Token);
        Assert.Equal(WatchEventType.Added, eventType);
        Assert.Equal("watched", widget.Metadata.Name);
        await cts.CancelAsync();
        try
        {
            await pump;
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>A custom resource as the generic client sees it.</summary>
public sealed class GenericWidget : IKubernetesObject<V1ObjectMeta>
{
    public GenericWidget()
    {
    }

    public GenericWidget(JsonObject o)
    {
        ApiVersion = o["apiVersion"]!.GetValue<string>();
        Kind = o["kind"]!.GetValue<string>();
        Metadata = KubernetesJson.Deserialize<V1ObjectMeta>(o["metadata"]!.ToJsonString());
        Spec = o["spec"]?.AsObject();
        Status = o["status"]?.AsObject();
        Extra = o["extraTopLevel"]?.GetValue<string>();
    }

    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [System.Text.Json.Serialization.JsonPropertyName("spec")]
    public JsonObject? Spec { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("status")]
    public JsonObject? Status { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("extraTopLevel")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Extra { get; set; }
}

public sealed class GenericWidgetList : IKubernetesObject<V1ListMeta>, IItems<GenericWidget>
{
    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [System.Text.Json.Serialization.JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [System.Text.Json.Serialization.JsonPropertyName("items")]
    public IList<GenericWidget> Items { get; set; } = [];
}
