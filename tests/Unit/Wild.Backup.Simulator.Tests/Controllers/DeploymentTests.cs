using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Controllers;

/// <summary>Deployment → ReplicaSet → Pods, rollouts and status.</summary>
public sealed class DeploymentTests
{
    private static Task<V1Deployment> WaitAvailableAsync(Kubernetes client, string ns, string name, int replicas, long generation = 1)
        => Eventually.WaitAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync(name, ns),
            d => d.Status?.ObservedGeneration == generation && d.Status.AvailableReplicas == replicas && d.Status.UpdatedReplicas == replicas
                 && d.Status.Replicas == replicas
                 && d.Status.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable") == true,
            $"deployment {name} available with {replicas} replicas");

    [Fact]
    public async Task Deployment_creates_a_replica_set_and_ready_pods_with_full_status()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 3), ns);
        var d = await WaitAvailableAsync(client, ns, "web", 3);
        Assert.Equal(3, d.Status.ReadyReplicas);
        Assert.Contains(d.Status.Conditions, c => c.Type == "Available" && c.Status == "True" && c.Reason == "MinimumReplicasAvailable");

        var rs = (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Single();
        Assert.Equal($"web-{rs.Metadata.Labels["pod-template-hash"]}", rs.Metadata.Name);
        Assert.Equal("1", rs.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal(d.Metadata.Uid, rs.Metadata.OwnerReferences.Single(o => o.Controller == true).Uid);

        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web")).Items;
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.StartsWith(rs.Metadata.Name + "-", p.Metadata.Name);
            Assert.Equal("Running", p.Status.Phase);
            Assert.Equal(rs.Metadata.Uid, p.Metadata.OwnerReferences.Single().Uid);
            Assert.Matches(@"^10\.244\.\d+\.\d+$", p.Status.PodIP);
            Assert.True(p.Status.ContainerStatuses.Single().Ready);
            Assert.StartsWith("containerd://", p.Status.ContainerStatuses.Single().ContainerID);
        });
        var events = (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=Deployment,reason=ScalingReplicaSet")).Items;
        Assert.Contains(events, e => e.Message == $"Scaled up replica set {rs.Metadata.Name} from 0 to 3");
    }

    [Fact]
    public async Task Template_change_rolls_out_a_new_replica_set_and_scales_the_old_one_down()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 2), ns);
        await WaitAvailableAsync(client, ns, "web", 2);
        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "web", ns);
        await WaitAvailableAsync(client, ns, "web", 2, generation: 2);
        var sets = (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
        Assert.Equal(2, sets.Count);
        var newest = sets.Single(s => s.Metadata.Annotations["deployment.kubernetes.io/revision"] == "2");
        var old = sets.Single(s => s.Metadata.Annotations["deployment.kubernetes.io/revision"] == "1");
        Assert.Equal(2, newest.Spec.Replicas);
        Assert.Equal(0, old.Spec.Replicas);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.All(p => p.Spec.Containers[0].Image == "nginx:1.28"), "only new pods remain");
    }

    [Fact]
    public async Task Scaling_down_through_the_scale_subresource_removes_pods()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 2), ns);
        await WaitAvailableAsync(client, ns, "web", 2);
        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch), "web", ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0, "pods gone after scale to zero");
        var d = await Eventually.WaitAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync("web", ns), d => d.Status.ObservedGeneration == 2 && d.Status.Replicas is null or 0, "status at zero");
        Assert.Null(d.Status.AvailableReplicas);
    }

    [Fact]
    public async Task Never_ready_pods_leave_the_deployment_unavailable_until_the_progress_deadline()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var d = Pods.Deployment("stuck", 1, annotations: new Dictionary<string, string> { [PodBehaviorAnnotations.Behavior] = "never-ready" });
        d.Spec.ProgressDeadlineSeconds = 2;
        await client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);
        var stuck = await Eventually.WaitAsync(() => client.AppsV1.ReadNamespacedDeploymentAsync("stuck", ns),
            x => x.Status?.Conditions?.Any(c => c.Type == "Progressing" && c.Status == "False" && c.Reason == "ProgressDeadlineExceeded") == true,
            "progress deadline exceeded", TimeSpan.FromSeconds(20));
        Assert.Contains(stuck.Status.Conditions, c => c.Type == "Available" && c.Status == "False" && c.Reason == "MinimumReplicasUnavailable");
        Assert.Equal(1, stuck.Status.UnavailableReplicas);
        var pod = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Single();
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "Ready" && c.Status == "False" && c.Reason == "ContainersNotReady");
        var unhealthy = (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=Unhealthy")).Items;
        Assert.StartsWith("Readiness probe failed", Assert.Single(unhealthy).Message);
    }

    [Fact]
    public async Task Recreate_strategy_removes_old_pods_before_creating_new_ones()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var d = Pods.Deployment("db", 1);
        d.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };
        await client.AppsV1.CreateNamespacedDeploymentAsync(d, ns);
        await WaitAvailableAsync(client, ns, "db", 1);
        var images = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var maxConcurrent = 0;
        var watch = Task.Run(async () =>
        {
            var live = new Dictionary<string, string>();
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(ns, cancellationToken: cts.Token))
            {
                if (type == WatchEventType.Deleted) live.Remove(pod.Metadata.Name);
                else live[pod.Metadata.Name] = pod.Spec.Containers[0].Image;
                maxConcurrent = Math.Max(maxConcurrent, live.Values.Distinct().Count());
                if (live.Count == 1 && live.Values.Single() == "nginx:1.28" && pod.Status?.Phase == "Running") break;
            }
        }, cts.Token);
        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "db", ns);
        await watch;
        Assert.Equal(1, maxConcurrent);
    }
}
