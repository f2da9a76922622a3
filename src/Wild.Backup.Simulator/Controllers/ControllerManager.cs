using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Cluster;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>Runs the built-in controllers on background tasks until stopped.</summary>
internal sealed class ControllerManager
{
    private readonly List<Task> running = new();
    private readonly ILogger log;

    public ControllerManager(ClusterRuntime rt) => log = rt.LoggerFactory.CreateLogger("Wild.Backup.Simulator.Controllers");

    /// <summary>The controllers of a cluster: the API server's own (CRDs) always; the rest when enabled.</summary>
    public static List<Controller> Create(ClusterRuntime rt)
    {
        var list = new List<Controller> { new CrdController(rt) };
        if (!rt.Options.RunControllers) return list;
        list.AddRange(
        [
            new NamespaceController(rt),
            new NamespaceDefaultsController(rt),
            new GarbageCollector(rt),
            new Scheduler(rt),
            new Kubelet(rt),
            new ReplicaSetController(rt),
            new DeploymentController(rt),
            new StatefulSetController(rt),
            new DaemonSetController(rt),
            new JobController(rt),
            new VolumeBinder(rt),
            new VolumeProtection(rt),
        ]);
        return list;
    }

    public void Start(IEnumerable<Controller> controllers, CancellationToken cancellationToken)
    {
        foreach (var c in controllers)
        {
            running.Add(Task.Run(async () =>
            {
                try
                {
                    await c.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    log.LogError(e, "controller {Controller} stopped", c.Name);
                }
            }, CancellationToken.None));
        }
    }

    public void Track(Task task) => running.Add(task);

    /// <summary>Waits for every controller to return after cancellation (bounded).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        var all = Task.WhenAll(running);
        var finished = await Task.WhenAny(all, Task.Delay(timeout)).ConfigureAwait(false);
        if (finished != all) log.LogWarning("controllers did not stop within {Timeout}", timeout);
    }
}
