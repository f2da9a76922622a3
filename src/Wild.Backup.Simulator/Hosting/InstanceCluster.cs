using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Kubernetes.Kustomize;
using Wild.Backup.Simulator.Cluster;

namespace Wild.Backup.Simulator.Hosting;

/// <summary>
/// A simulated cluster behind a Wild Cloud instance directory, as a real one is after cluster setup: its kubeconfig is
/// written into the instance (the product finds the cluster there), Longhorn runs on it, and apps are deployed the way
/// <c>wild app deploy</c> does — render the app's kustomize directory, apply it server-side, wait until it is ready.
/// The README demo and the tests stand their clusters up with this.
/// </summary>
public sealed class InstanceCluster : IAsyncDisposable
{
    private InstanceCluster(string instancePath, SimulatedCluster cluster, IKubernetesCluster kube)
    {
        InstancePath = instancePath;
        Cluster = cluster;
        Kube = kube;
    }

    public string InstancePath { get; }
    public SimulatedCluster Cluster { get; }
    public Longhorn.LonghornSimulator Longhorn => Cluster.Longhorn;

    /// <summary>The cluster as the product sees it: through the instance's kubeconfig.</summary>
    public IKubernetesCluster Kube { get; }

    /// <summary>
    /// Starts the cluster and writes its kubeconfig to <c>{instance}/kubeconfig</c>. With <paramref name="claimSize"/>, the
    /// storage requests of the instance's apps (<c>storage: 10Gi</c> and the like) are rewritten to that size first, so
    /// volumes stay small enough to compare byte for byte.
    /// </summary>
    public static async Task<InstanceCluster> StartAsync(string instancePath, SimulatedClusterOptions options, string? claimSize, CancellationToken ct)
    {
        if (claimSize is not null) ShrinkClaims(instancePath, claimSize);
        var cluster = await SimulatedCluster.StartAsync(options, ct).ConfigureAwait(false);
        try
        {
            var kubeconfig = Path.Combine(instancePath, "kubeconfig");
            cluster.WriteKubeconfig(kubeconfig);
            return new InstanceCluster(instancePath, cluster, KubernetesRestCluster.FromKubeconfig(kubeconfig));
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static void ShrinkClaims(string instancePath, string size)
    {
        var claim = new System.Text.RegularExpressions.Regex(@"(?m)^(\s*storage:\s*)\d+(Gi|Ti|G|T)\s*$");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(instancePath, "apps"), "*.yaml", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            var shrunk = claim.Replace(text, m => m.Groups[1].Value + size);
            if (shrunk != text) File.WriteAllText(file, shrunk);
        }
    }

    /// <summary>Deploys <c>apps/{app}</c> (render, server-side apply) and waits until it is ready.</summary>
    public async Task<IReadOnlyList<AppliedObject>> DeployAsync(string app, TimeSpan timeout, CancellationToken ct)
    {
        var objects = KustomizeRenderer.Render(Path.Combine(InstancePath, "apps", app));
        var applied = await ManifestApplier.ApplyAsync(Kube, objects, _ => { }, _ => { }, ct).ConfigureAwait(false);
        await WaitReadyAsync(applied, timeout, ct).ConfigureAwait(false);
        return applied;
    }

    /// <summary>Waits until every workload, job and claim among <paramref name="applied"/> is ready.</summary>
    public Task WaitReadyAsync(IReadOnlyList<AppliedObject> applied, TimeSpan timeout, CancellationToken ct) =>
        Waits.UntilAsync(async t =>
        {
            foreach (var a in applied.Where(a => Readiness.IsWaitable(a.Kind.Kind)))
            {
                var o = await Kube.GetAsync(a.Kind, a.Object.Namespace(), a.Object.Name(), t).ConfigureAwait(false);
                if (o is null || !Readiness.Check(o).Ready) return (false, true, a.Object.Describe());
            }
            return (true, true, "ready");
        }, timeout, TimeSpan.FromMilliseconds(100), null, s => new TimeoutException("not ready: " + s), ct);

    public async ValueTask DisposeAsync()
    {
        await Kube.DisposeAsync().ConfigureAwait(false);
        await Cluster.DisposeAsync().ConfigureAwait(false);
    }
}
