using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Provisioning;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Extensibility;

/// <summary>The in-process extension point the Longhorn simulator uses.</summary>
public sealed class ExtensionTests
{
    /// <summary>A miniature "Longhorn": a Volume CRD, a controller that marks volumes attached, and a provisioner creating Volumes.</summary>
    private sealed class MiniLonghorn : IClusterExtension, IVolumeProvisioner
    {
        public static readonly GroupVersionResource Volumes = new("mini.longhorn.io", "v1beta2", "volumes");

        public string Name => "driver.longhorn.io";

        public bool Stopped { get; private set; }

        public Task InitializeAsync(ClusterExtensionContext context, CancellationToken cancellationToken)
        {
            context.RegisterProvisioner(this);
            var crd = JsonNode.Parse(KubernetesJson.Serialize(Crds.Widget("mini.longhorn.io", plural: "volumes", kind: "Volume")))!.AsObject();
            crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
            return context.RegisterCustomResourceDefinitionAsync(crd, cancellationToken);
        }

        public async Task RunAsync(ClusterExtensionContext context, CancellationToken cancellationToken)
        {
            try
            {
                await foreach (var e in context.Api.WatchAsync(Volumes, "longhorn-system", cancellationToken: cancellationToken))
                {
                    if (e.Type is not ("ADDED" or "MODIFIED") || e.Object.Str("status", "state") == "attached") continue;
                    var obj = e.Object.CloneObject();
                    obj["status"] = new JsonObject { ["state"] = "attached", ["robustness"] = "healthy" };
                    try
                    {
                        await context.Api.ReplaceAsync(Volumes, "longhorn-system", obj.Str("metadata", "name")!, obj, "status",
                            new WriteOptions { FieldManager = "longhorn-manager" }, cancellationToken);
                        await context.Events.RecordAsync(obj, "Normal", "Attached", "Volume attached", "longhorn-manager", cancellationToken: cancellationToken);
                    }
                    catch (KubeApiException ex) when (ex.Code == 409)
                    {
                        // The next MODIFIED event retries.
                    }
                }
            }
            finally
            {
                Stopped = true;
            }
        }

        public async Task ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken)
        {
            await request.Api.CreateAsync(Volumes, "longhorn-system", new JsonObject
            {
                ["apiVersion"] = "mini.longhorn.io/v1beta2",
                ["kind"] = "Volume",
                ["metadata"] = new JsonObject { ["name"] = request.VolumeName },
                ["spec"] = new JsonObject { ["size"] = request.CapacityBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), ["numberOfReplicas"] = 3 },
            }, new WriteOptions { FieldManager = "longhorn-csi-plugin" }, cancellationToken);
            request.PersistentVolume.Ensure("spec")["csi"] = new JsonObject { ["driver"] = Name, ["volumeHandle"] = request.VolumeName, ["fsType"] = "ext4" };
        }

        public Task DeleteAsync(DeleteVolumeRequest request, CancellationToken cancellationToken)
            => request.Api.DeleteAsync(Volumes, "longhorn-system", request.PersistentVolume.Str("metadata", "name")!, cancellationToken: cancellationToken);
    }

    [Fact]
    public async Task Extension_registers_a_crd_runs_a_controller_and_provisions_volumes()
    {
        var longhorn = new MiniLonghorn();
        var options = SharedCluster.FastOptions();
        options.Extensions.Add(longhorn);
        var cluster = await SimulatedCluster.StartAsync(options);
        try
        {
            using var client = Clients.FromKubeconfigFile(cluster);
            // The CRD is served as soon as the cluster is up.
            using var generic = new GenericClient(client, "mini.longhorn.io", "v1beta2", "volumes", disposeClient: false);
            Assert.Empty((await generic.ListNamespacedAsync<Api.GenericWidgetList>("longhorn-system")).Items);

            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "gitea-data" },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("10Gi") } },
                },
            }, "default");
            var pvc = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("gitea-data", "default"), c => c.Status.Phase == "Bound", "bound");
            var volume = await Eventually.WaitAsync(() => generic.ReadNamespacedAsync<Api.GenericWidget>("longhorn-system", pvc.Spec.VolumeName),
                v => v.Status?["state"]?.GetValue<string>() == "attached", "longhorn volume attached by the extension's controller");
            Assert.Equal("10737418240", volume.Spec!["size"]!.GetValue<string>());
            var pv = await client.CoreV1.ReadPersistentVolumeAsync(pvc.Spec.VolumeName);
            Assert.Equal("driver.longhorn.io", pv.Spec.Csi.Driver);
            Assert.Contains((await client.CoreV1.ListNamespacedEventAsync("longhorn-system")).Items, e => e.Reason == "Attached" && e.Source.Component == "longhorn-manager");

            await client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("gitea-data", "default");
            await Eventually.WaitAsync(async () => (await generic.ListNamespacedAsync<Api.GenericWidgetList>("longhorn-system")).Items.Count == 0, "longhorn volume deleted with the claim");
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        Assert.True(longhorn.Stopped);
    }

    [Fact]
    public async Task In_process_api_has_the_same_semantics_as_http()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { RunControllers = false });
        var cm = await cluster.Api.CreateAsync(GroupVersionResource.ConfigMaps, "default", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "x" } });
        var stale = cm.CloneObject();
        await cluster.Api.PatchAsync(GroupVersionResource.ConfigMaps, "default", "x", PatchType.Merge, """{"data":{"a":"1"}}""");
        var conflict = await Assert.ThrowsAsync<KubeApiException>(() => cluster.Api.ReplaceAsync(GroupVersionResource.ConfigMaps, "default", "x", stale));
        Assert.Equal(409, conflict.Code);
        Assert.Equal("Conflict", conflict.ToStatus()["reason"]!.GetValue<string>());
        var list = await cluster.Api.ListAsync(GroupVersionResource.ConfigMaps, "default", new ListOptions { FieldSelector = "metadata.name=x" });
        Assert.Single(list["items"]!.AsArray());
        var missing = await Assert.ThrowsAsync<KubeApiException>(() => cluster.Api.GetAsync(new GroupVersionResource("nope.io", "v1", "things"), null, "a"));
        Assert.True(missing.IsUnknownPath);
    }

    [Fact]
    public async Task A_failing_extension_fails_start_and_leaves_nothing_running()
    {
        var options = new SimulatedClusterOptions();
        options.Extensions.Add(new Failing());
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => SimulatedCluster.StartAsync(options));
        Assert.Equal("no disk", e.Message);
    }

    private sealed class Failing : IClusterExtension
    {
        public string Name => "failing";

        public Task InitializeAsync(ClusterExtensionContext context, CancellationToken cancellationToken) => throw new InvalidOperationException("no disk");

        public Task RunAsync(ClusterExtensionContext context, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
