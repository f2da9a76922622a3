using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Controllers;

/// <summary>DaemonSets and Jobs.</summary>
public sealed class DaemonSetAndJobTests
{
    [Fact]
    public async Task Daemon_set_runs_one_pod_per_node()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var labels = new Dictionary<string, string> { ["app"] = "agent" };
        await client.AppsV1.CreateNamespacedDaemonSetAsync(new V1DaemonSet
        {
            Metadata = new V1ObjectMeta { Name = "agent" },
            Spec = new V1DaemonSetSpec { Selector = new V1LabelSelector { MatchLabels = labels }, Template = Pods.Template(labels) },
        }, ns);
        var ds = await Eventually.WaitAsync(() => client.AppsV1.ReadNamespacedDaemonSetAsync("agent", ns),
            d => d.Status?.NumberReady == 3 && d.Status.DesiredNumberScheduled == 3 && d.Status.UpdatedNumberScheduled == 3, "3 daemon pods ready");
        Assert.Equal(3, ds.Status.NumberAvailable);
        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(["wild-cp-1", "wild-cp-2", "wild-cp-3"], pods.Select(p => p.Spec.NodeName).Order());
        Assert.All(pods, p => Assert.Equal("metadata.name", p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0].Key));
    }

    [Fact]
    public async Task Job_runs_to_completion()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.BatchV1.CreateNamespacedJobAsync(Jobs.Sleep("db-init"), ns);
        var job = await Eventually.WaitAsync(() => client.BatchV1.ReadNamespacedJobAsync("db-init", ns),
            j => j.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true, "job complete");
        Assert.Equal(1, job.Status.Succeeded);
        Assert.NotNull(job.Status.CompletionTime);
        Assert.NotNull(job.Status.StartTime);
        Assert.Contains(job.Status.Conditions, c => c.Type == "SuccessCriteriaMet" && c.Status == "True");
        var pod = (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "job-name=db-init")).Items.Single();
        Assert.Equal("Succeeded", pod.Status.Phase);
        Assert.Equal("Completed", pod.Status.ContainerStatuses.Single().State.Terminated.Reason);
        Assert.Equal(0, pod.Status.ContainerStatuses.Single().State.Terminated.ExitCode);
        Assert.Contains((await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.kind=Job")).Items, e => e.Reason == "Completed");
    }

    [Fact]
    public async Task Failing_job_stops_at_the_backoff_limit()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.BatchV1.CreateNamespacedJobAsync(Jobs.Sleep("broken", behavior: "fail", backoffLimit: 1), ns);
        var job = await Eventually.WaitAsync(() => client.BatchV1.ReadNamespacedJobAsync("broken", ns),
            j => j.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true, "job failed");
        Assert.Equal("BackoffLimitExceeded", job.Status.Conditions.Single(c => c.Type == "Failed").Reason);
        Assert.Equal(2, job.Status.Failed);
        Assert.Null(job.Status.Succeeded);
        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.All(pods, p => Assert.Equal("Failed", p.Status.Phase));
        Assert.All(pods, p => Assert.Equal(1, p.Status.ContainerStatuses.Single().State.Terminated.ExitCode));
    }
}
