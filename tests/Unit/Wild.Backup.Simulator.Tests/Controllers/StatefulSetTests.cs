using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Controllers;

/// <summary>StatefulSets: ordered pods, claim templates, scale down.</summary>
public sealed class StatefulSetTests
{
    private static V1StatefulSet Postgres(string name, int replicas, string? storageClass = null, string podManagement = "OrderedReady")
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1StatefulSetSpec
            {
                ServiceName = name,
                Replicas = replicas,
                PodManagementPolicy = podManagement,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers = [new V1Container { Name = "pg", Image = "pgvector/pgvector:pg15", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/var/lib/postgresql/data" }] }],
                    },
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "data" },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            StorageClassName = storageClass,
                            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("10Gi") } },
                        },
                    },
                ],
            },
        };
    }

    [Fact]
    public async Task Pods_are_created_in_order_with_bound_claims_from_templates()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var order = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var rv = (await client.CoreV1.ListNamespacedPodAsync(ns)).Metadata.ResourceVersion;
        var watch = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: rv, cancellationToken: cts.Token))
            {
                if (type != WatchEventType.Added) continue;
                var ready = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.Name != pod.Metadata.Name)
                    .All(p => p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true);
                order.Add($"{pod.Metadata.Name}:{ready}");
                if (order.Count == 3) break;
            }
        }, cts.Token);
        await client.AppsV1.CreateNamespacedStatefulSetAsync(Postgres("pg", 3), ns);
        await watch;
        Assert.Equal(["pg-0:True", "pg-1:True", "pg-2:True"], order);

        var sts = await Eventually.WaitAsync(() => client.AppsV1.ReadNamespacedStatefulSetAsync("pg", ns), s => s.Status?.ReadyReplicas == 3 && s.Status.AvailableReplicas == 3, "3 ready");
        Assert.Equal(sts.Status.UpdateRevision, sts.Status.CurrentRevision);
        var claims = (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items.OrderBy(c => c.Metadata.Name).ToList();
        Assert.Equal(["data-pg-0", "data-pg-1", "data-pg-2"], claims.Select(c => c.Metadata.Name));
        Assert.All(claims, c =>
        {
            Assert.Equal("Bound", c.Status.Phase);
            Assert.Equal("longhorn", c.Spec.StorageClassName);
            Assert.Equal("pg", c.Metadata.Labels["app"]);
        });
        var pod0 = await client.CoreV1.ReadNamespacedPodAsync("pg-0", ns);
        Assert.Equal("pg-0", pod0.Spec.Hostname);
        Assert.Equal("pg", pod0.Spec.Subdomain);
        Assert.Equal("data-pg-0", pod0.Spec.Volumes.Single(v => v.Name == "data").PersistentVolumeClaim.ClaimName);
        Assert.Equal("0", pod0.Metadata.Labels["apps.kubernetes.io/pod-index"]);
        Assert.Equal(sts.Status.UpdateRevision, pod0.Metadata.Labels["controller-revision-hash"]);
        Assert.Single((await client.AppsV1.ListNamespacedControllerRevisionAsync(ns)).Items);
    }

    [Fact]
    public async Task Scale_down_removes_the_highest_ordinal_and_keeps_its_claim()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.AppsV1.CreateNamespacedStatefulSetAsync(Postgres("pg", 2, podManagement: "Parallel"), ns);
        await Eventually.WaitAsync(() => client.AppsV1.ReadNamespacedStatefulSetAsync("pg", ns), s => s.Status?.ReadyReplicas == 2, "2 ready");
        await client.AppsV1.PatchNamespacedStatefulSetScaleAsync(new V1Patch("""{"spec":{"replicas":1}}""", V1Patch.PatchType.MergePatch), "pg", ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Metadata.Name).SequenceEqual(["pg-0"]), "only pg-0 left");
        Assert.Equal(2, (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items.Count);
    }

    [Fact]
    public async Task Pods_stay_pending_until_their_claim_is_bound()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var className = $"slow-{Guid.NewGuid().ToString("N")[..6]}";
        var provisioner = $"{className}.example.com";
        await client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = className }, Provisioner = provisioner });
        try
        {
            await client.AppsV1.CreateNamespacedStatefulSetAsync(Postgres("pg", 1, storageClass: className), ns);
            var pending = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPodAsync("pg-0", ns),
                p => p.Status.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable") == true, "pod unschedulable");
            Assert.Equal("Pending", pending.Status.Phase);
            Assert.Contains("pod has unbound immediate PersistentVolumeClaims", pending.Status.Conditions.Single(c => c.Type == "PodScheduled").Message);
            var failed = await Eventually.WaitAsync(() => client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=FailedScheduling"), l => l.Items.Count > 0, "FailedScheduling event");
            Assert.Equal("Warning", failed.Items[0].Type);
            await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=ExternalProvisioning")).Items.Count > 0, "claim waits for its provisioner");

            (await SharedCluster.GetAsync()).RegisterProvisioner(new Wild.Backup.Simulator.Provisioning.CsiVolumeProvisioner(provisioner));
            await Eventually.WaitAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync("pg-0", ns)).Status.Phase == "Running", "pod runs once the claim is bound");
            var pvc = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data-pg-0", ns);
            Assert.Equal("Bound", pvc.Status.Phase);
        }
        finally
        {
            await client.StorageV1.DeleteStorageClassAsync(className);
        }
    }
}
