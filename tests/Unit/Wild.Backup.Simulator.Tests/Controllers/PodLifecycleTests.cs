using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Controllers;

/// <summary>The simulated kubelet: startup, readiness, crash loops, graceful deletion, events.</summary>
public sealed class PodLifecycleTests
{
    [Fact]
    public async Task Pod_becomes_running_and_ready_with_the_status_a_kubelet_reports()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("web"), ns);
        var pod = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPodAsync("web", ns),
            p => p.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true, "pod ready");
        Assert.Equal("Running", pod.Status.Phase);
        Assert.StartsWith("wild-cp-", pod.Spec.NodeName);
        Assert.StartsWith("192.168.8.", pod.Status.HostIP);
        Assert.NotNull(pod.Status.StartTime);
        Assert.Equal(new[] { "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled" }.Order(), pod.Status.Conditions.Select(c => c.Type).Order());
        var container = pod.Status.ContainerStatuses.Single();
        Assert.Equal("app", container.Name);
        Assert.True(container.Started);
        Assert.NotNull(container.State.Running.StartedAt);
        Assert.StartsWith("docker.io/library/nginx@sha256:", container.ImageID);
        var reasons = await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedEventAsync(ns)).Items.Select(e => e.Reason).ToHashSet(),
            r => r.IsSupersetOf(["Scheduled", "Pulled", "Created", "Started"]), "kubelet events");
        var started = (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=Started")).Items.Single();
        Assert.Equal("spec.containers{app}", started.InvolvedObject.FieldPath);
        Assert.Equal("kubelet", started.Source.Component);
        Assert.Equal(pod.Spec.NodeName, started.Source.Host);
        Assert.NotEmpty(reasons);
    }

    [Fact]
    public async Task Crash_looping_container_restarts_with_back_off()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("crashy", annotations: new Dictionary<string, string> { [PodBehaviorAnnotations.Behavior] = "crash-loop" }), ns);
        var pod = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPodAsync("crashy", ns),
            p => p.Status.ContainerStatuses?.Single().RestartCount >= 2, "restarts grow");
        var status = pod.Status.ContainerStatuses.Single();
        Assert.Equal("CrashLoopBackOff", status.State.Waiting.Reason);
        Assert.False(status.Ready);
        Assert.Equal("Error", status.LastState.Terminated.Reason);
        Assert.Equal(1, status.LastState.Terminated.ExitCode);
        Assert.Equal("Running", pod.Status.Phase);
        var backoff = await Eventually.WaitAsync(() => client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=BackOff"),
            l => l.Items.SingleOrDefault()?.Count >= 2, "aggregated BackOff events");
        Assert.Equal("Warning", backoff.Items[0].Type);
        Assert.StartsWith("Back-off restarting failed container app in pod crashy_", backoff.Items[0].Message);
    }

    [Fact]
    public async Task Crash_loop_can_be_chosen_by_cluster_rule()
    {
        var cluster = await SharedCluster.GetAsync();
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        cluster.AddPodBehavior(new PodBehaviorRule { Namespace = ns.Name, MatchLabels = new Dictionary<string, string> { ["chaos"] = "yes" }, Behavior = PodBehavior.CrashLoop });
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("victim", labels: new Dictionary<string, string> { ["chaos"] = "yes" }), ns);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("bystander"), ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync("victim", ns)).Status.ContainerStatuses?.Single().State.Waiting?.Reason == "CrashLoopBackOff", "victim crash loops");
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync("bystander", ns)).Status.ContainerStatuses?.Single().Ready == true, "bystander ready");
    }

    [Fact]
    public async Task Deleting_a_running_pod_is_graceful()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("p"), ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync("p", ns)).Status.Phase == "Running", "running");
        var deleting = await client.CoreV1.DeleteNamespacedPodAsync("p", ns);
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(30, deleting.Metadata.DeletionGracePeriodSeconds);
        Assert.True(deleting.Metadata.DeletionTimestamp > DateTime.UtcNow.AddSeconds(20));
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0, "pod gone after termination");
        Assert.Contains((await client.CoreV1.ListNamespacedEventAsync(ns)).Items, e => e.Reason == "Killing" && e.Message == "Stopping container app");
    }

    [Fact]
    public async Task Unscheduled_pod_and_zero_grace_deletes_are_immediate()
    {
        await using var cluster = await Wild.Backup.Simulator.Cluster.SimulatedCluster.StartAsync(new() { RunControllers = false });
        using var client = Clients.FromKubeconfigFile(cluster);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("p"), "default");
        await client.CoreV1.DeleteNamespacedPodAsync("p", "default");
        await ApiAssert.FailsAsync(HttpStatusCode.NotFound, () => client.CoreV1.ReadNamespacedPodAsync("p", "default"));
    }

    [Fact]
    public async Task Binding_assigns_a_node_once()
    {
        await using var cluster = await Wild.Backup.Simulator.Cluster.SimulatedCluster.StartAsync(new() { RunControllers = false });
        using var client = Clients.FromKubeconfigFile(cluster);
        await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("p"), "default");
        var binding = new V1Binding { Metadata = new V1ObjectMeta { Name = "p" }, Target = new V1ObjectReference { Kind = "Node", Name = "wild-cp-2" } };
        await client.CoreV1.CreateNamespacedPodBindingAsync(binding, "p", "default");
        var pod = await client.CoreV1.ReadNamespacedPodAsync("p", "default");
        Assert.Equal("wild-cp-2", pod.Spec.NodeName);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "PodScheduled" && c.Status == "True");
        var status = await ApiAssert.FailsAsync(HttpStatusCode.Conflict, () => client.CoreV1.CreateNamespacedPodBindingAsync(binding, "p", "default"));
        Assert.Contains("is already assigned to node \"wild-cp-2\"", status.Message);
    }
}
