using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>Server-side apply: field managers, ownership, conflicts, force, field removal.</summary>
public sealed class ServerSideApplyTests
{
    private static string Config(string ns, string replicas, string image = "nginx:1.27", string? extraLabel = null) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {{ns}}
          labels:
            app: web
        {{(extraLabel is null ? "" : $"    {extraLabel}: \"yes\"")}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: web
                image: {{image}}
        """;

    private static async Task<RawApi.Response> ApplyAsync(RawApi raw, string ns, string body, string manager, bool force = false)
        => await raw.PatchAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web?fieldManager={manager}{(force ? "&force=true" : "")}", body, "application/apply-patch+yaml");

    [Fact]
    public async Task Apply_creates_the_object_and_records_an_apply_manager()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var response = await ApplyAsync(raw, ns, Config(ns, "2"), "ci");
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
        var d = await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        var entry = d.Metadata.ManagedFields.Single(m => m.Manager == "ci");
        Assert.Equal("Apply", entry.Operation);
        var fields = JsonNode.Parse(KubernetesJson.Serialize(entry.FieldsV1))!;
        Assert.NotNull(fields["f:spec"]!["f:replicas"]);
        Assert.NotNull(fields["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"web\"}"]!["f:image"]);
        Assert.Null(fields["f:metadata"]!["f:name"]);
        Assert.Equal(2, d.Spec.Replicas);
    }

    [Fact]
    public async Task Applying_the_same_service_again_is_a_no_op_although_its_port_protocol_was_defaulted()
    {
        // Service ports are keyed by (port, protocol); the manifest leaves protocol out and the server defaults it to
        // TCP. The key's default counts when matching, as in Kubernetes: a re-apply (kubectl apply, a redeploy) must not
        // see a second port without a name (which validation would refuse).
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var body = $$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: {{ns.Name}}
            spec:
              selector:
                app: web
              ports:
              - port: 8080
                targetPort: 8080
            """;
        var path = $"/api/v1/namespaces/{ns.Name}/services/web?fieldManager=deploy";
        Assert.Equal(HttpStatusCode.Created, (await raw.PatchAsync(path, body, "application/apply-patch+yaml")).Status);
        var again = await raw.PatchAsync(path, body, "application/apply-patch+yaml");
        Assert.True(again.Status == HttpStatusCode.OK, again.Body);
        var svc = await client.CoreV1.ReadNamespacedServiceAsync("web", ns.Name);
        var port = Assert.Single(svc.Spec.Ports);
        Assert.Equal("TCP", port.Protocol);
        var fields = JsonNode.Parse(KubernetesJson.Serialize(svc.Metadata.ManagedFields.Single(m => m.Manager == "deploy").FieldsV1))!;
        Assert.NotNull(fields["f:spec"]!["f:ports"]!["k:{\"port\":8080,\"protocol\":\"TCP\"}"]);
    }

    [Fact]
    public async Task Apply_without_field_manager_is_refused()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        var response = await raw.PatchAsync($"/apis/apps/v1/namespaces/{ns.Name}/deployments/web", Config(ns, "1"), "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Contains("fieldManager: Required value", response.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Conflicting_apply_is_409_naming_manager_and_field_and_force_takes_ownership()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        Assert.Equal(HttpStatusCode.Created, (await ApplyAsync(raw, ns, Config(ns, "2"), "alice")).Status);

        var conflict = await ApplyAsync(raw, ns, Config(ns, "5"), "bob");
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Equal("Conflict", conflict.Json["reason"]!.GetValue<string>());
        Assert.Equal("Apply failed with 1 conflict: conflict with \"alice\": .spec.replicas", conflict.Json["message"]!.GetValue<string>());
        var cause = conflict.Json["details"]!["causes"]![0]!;
        Assert.Equal("FieldManagerConflict", cause["reason"]!.GetValue<string>());
        Assert.Equal(".spec.replicas", cause["field"]!.GetValue<string>());

        // Same value: shared ownership, no conflict.
        Assert.Equal(HttpStatusCode.OK, (await ApplyAsync(raw, ns, Config(ns, "2"), "bob")).Status);

        var forced = await ApplyAsync(raw, ns, Config(ns, "5"), "bob", force: true);
        Assert.Equal(HttpStatusCode.OK, forced.Status);
        var d = await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.Equal(5, d.Spec.Replicas);
        var alice = JsonNode.Parse(KubernetesJson.Serialize(d.Metadata.ManagedFields.Single(m => m.Manager == "alice").FieldsV1))!;
        Assert.Null(alice["f:spec"]!["f:replicas"]);
    }

    [Fact]
    public async Task Conflict_with_an_update_manager_names_its_api_version()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        await ApplyAsync(raw, ns, Config(ns, "2"), "alice");
        await raw.PatchAsync($"/apis/apps/v1/namespaces/{ns.Name}/deployments/web?fieldManager=kubectl-edit", """{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}""", "application/strategic-merge-patch+json");
        var conflict = await ApplyAsync(raw, ns, Config(ns, "2", image: "nginx:1.29"), "alice");
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-edit\" using apps/v1: .spec.template.spec.containers[name=\"web\"].image",
            conflict.Json["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Fields_a_manager_stops_applying_are_removed_unless_someone_else_owns_them()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        using var raw = new RawApi(await SharedCluster.GetAsync());
        await ApplyAsync(raw, ns, Config(ns, "1", extraLabel: "team"), "alice");
        Assert.Equal("yes", (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Metadata.Labels["team"]);
        await ApplyAsync(raw, ns, Config(ns, "1"), "alice");
        Assert.False((await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Metadata.Labels.ContainsKey("team"));

        await ApplyAsync(raw, ns, Config(ns, "1", extraLabel: "team"), "alice");
        await ApplyAsync(raw, ns, Config(ns, "1", extraLabel: "team"), "bob");
        await ApplyAsync(raw, ns, Config(ns, "1"), "alice");
        Assert.Equal("yes", (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Metadata.Labels["team"]);
    }

    [Fact]
    public async Task Apply_to_the_status_subresource_records_a_status_manager()
    {
        await using var cluster = await Wild.Backup.Simulator.Cluster.SimulatedCluster.StartAsync(new() { RunControllers = false });
        using var raw = new RawApi(cluster);
        Assert.Equal(HttpStatusCode.Created, (await ApplyAsync(raw, "default", Config("default", "1"), "ci")).Status);
        var status = await raw.PatchAsync("/apis/apps/v1/namespaces/default/deployments/web/status?fieldManager=my-controller",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"status":{"replicas":1,"readyReplicas":1},"spec":{"replicas":7}}""",
            "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.OK, status.Status);
        Assert.Equal(1, status.Json["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(1, status.Json["status"]!["readyReplicas"]!.GetValue<int>());
        var entry = status.Json["metadata"]!["managedFields"]!.AsArray().Single(m => m!["manager"]!.GetValue<string>() == "my-controller")!;
        Assert.Equal("status", entry["subresource"]!.GetValue<string>());
        Assert.Equal("Apply", entry["operation"]!.GetValue<string>());
        Assert.NotNull(entry["fieldsV1"]!["f:status"]!["f:readyReplicas"]);
        Assert.Null(entry["fieldsV1"]!["f:spec"]);
    }

    [Fact]
    public async Task Typed_client_apply_patch_works_and_updates_record_update_managers()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var cm = new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "cfg", NamespaceProperty = ns }, Data = new Dictionary<string, string> { ["a"] = "1" } };
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(cm, V1Patch.PatchType.ApplyPatch), "cfg", ns, fieldManager: "wild-backup");
        var updated = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"b":"2"}}""", V1Patch.PatchType.MergePatch), "cfg", ns, fieldManager: "editor");
        var managers = updated.Metadata.ManagedFields.ToDictionary(m => m.Manager, m => m.Operation);
        Assert.Equal("Apply", managers["wild-backup"]);
        Assert.Equal("Update", managers["editor"]);
    }
}
