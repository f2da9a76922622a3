using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>labelSelector and fieldSelector on lists.</summary>
public sealed class SelectorTests
{
    private static async Task<(Kubernetes Client, TestNamespace Ns)> SeedAsync()
    {
        var client = await SharedCluster.ClientAsync();
        var ns = await TestNamespace.CreateAsync(client);
        foreach (var (name, labels) in new[]
                 {
                     ("a", new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" }),
                     ("b", new Dictionary<string, string> { ["app"] = "web", ["tier"] = "back" }),
                     ("c", new Dictionary<string, string> { ["app"] = "db" }),
                     ("d", new Dictionary<string, string>()),
                 })
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = labels } }, ns);
        }
        return (client, ns);
    }

    [Theory]
    [InlineData("app=web", "a,b")]
    [InlineData("app==web", "a,b")]
    [InlineData("app!=web", "c,d")]
    [InlineData("app in (web,db)", "a,b,c")]
    [InlineData("app notin (web)", "c,d")]
    [InlineData("tier", "a,b")]
    [InlineData("!tier", "c,d")]
    [InlineData("app=web,tier!=back", "a")]
    [InlineData("app in (web), tier in (front, back)", "a,b")]
    public async Task Label_selector_operators(string selector, string expected)
    {
        var (client, ns) = await SeedAsync();
        using var __ = client;
        await using var _ = ns;
        var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector);
        var names = list.Items.Select(i => i.Metadata.Name).Where(n => n != "kube-root-ca.crt").Order();
        Assert.Equal(expected, string.Join(",", names));
    }

    [Fact]
    public async Task Malformed_label_selector_is_400()
    {
        using var client = await SharedCluster.ClientAsync();
        var status = await ApiAssert.FailsAsync(HttpStatusCode.BadRequest, () => client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "app in web"));
        Assert.Contains("unable to parse requirement", status.Message);
    }

    [Fact]
    public async Task Field_selector_on_name_and_namespace()
    {
        var (client, ns) = await SeedAsync();
        using var __ = client;
        await using var _ = ns;
        var byName = await client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: $"metadata.name=b,metadata.namespace={ns.Name}");
        Assert.Equal("b", byName.Items.Single().Metadata.Name);
        var notName = await client.CoreV1.ListNamespacedConfigMapAsync(ns, fieldSelector: "metadata.name!=b");
        Assert.DoesNotContain(notName.Items, i => i.Metadata.Name == "b");
        Assert.Contains(notName.Items, i => i.Metadata.Name == "a");
    }

    [Fact]
    public async Task Unsupported_field_is_400_field_label_not_supported()
    {
        using var client = await SharedCluster.ClientAsync();
        var status = await ApiAssert.FailsAsync(HttpStatusCode.BadRequest, () => client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "data.key=x"));
        Assert.Equal("field label not supported: data.key", status.Message);
        // status.phase is selectable on pods but not on services.
        await ApiAssert.FailsAsync(HttpStatusCode.BadRequest, () => client.CoreV1.ListNamespacedServiceAsync("default", fieldSelector: "status.phase=Running"));
    }

    [Fact]
    public async Task Pod_fields_status_phase_and_node_name_are_selectable()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("p"), ns);
        var running = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "status.phase=Running"), l => l.Items.Count == 1, "pod running");
        var node = running.Items[0].Spec.NodeName;
        Assert.Single((await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={node},metadata.namespace={ns.Name}")).Items);
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "status.phase=Pending")).Items);
    }

    [Fact]
    public async Task Events_are_selectable_by_involved_object()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("p"), ns);
        var events = await Eventually.WaitAsync(
            () => client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=Pod,involvedObject.name=p,reason=Scheduled"),
            l => l.Items.Count == 1, "Scheduled event");
        Assert.StartsWith($"Successfully assigned {ns.Name}/p to wild-cp-", events.Items[0].Message);
        Assert.Equal("default-scheduler", events.Items[0].Source.Component);
    }
}
