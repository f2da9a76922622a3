using System.Text.Json.Nodes;
using Wild.Backup.Core;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Kubernetes.Kustomize;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Longhorn;

namespace Wild.Backup.Testing;

/// <summary>
/// The sample instance with a simulated cluster behind it, as in production: the cluster's kubeconfig is written into
/// the instance directory (replacing the sample's unreachable one), Longhorn runs on the cluster with its backup target
/// in a temp directory, and the sample apps' claims are made small (64Mi) so volumes can be compared byte for byte.
/// One per test class; apps are deployed the way <c>wild app deploy</c> does (render, apply, wait ready).
/// </summary>
public sealed class ClusterWorld : IAsyncDisposable
{
    public const string ClaimSize = "64Mi";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private ClusterWorld(SampleWorld world, SimulatedCluster cluster, IKubernetesCluster kube)
    {
        World = world;
        Cluster = cluster;
        Kube = kube;
    }

    public SampleWorld World { get; }
    public SimulatedCluster Cluster { get; }
    public LonghornSimulator Longhorn => Cluster.Longhorn;
    /// <summary>The cluster as the product sees it (from the instance's kubeconfig).</summary>
    public IKubernetesCluster Kube { get; }
    public string InstancePath => World.InstancePath;
    public InstanceSelector Selector => World.Selector;

    /// <summary>Engine options for tests: quick polling; everything else as in production.</summary>
    public static EngineOptions EngineOptions => new() { ClusterPollInterval = TimeSpan.FromMilliseconds(100) };

    public static async Task<ClusterWorld> StartAsync(Action<SimulatedClusterOptions>? configure = null, LonghornOptions? longhorn = null, SampleWorld? world = null)
    {
        world ??= new SampleWorld();
        var options = new SimulatedClusterOptions
        {
            PodStartDelay = TimeSpan.FromMilliseconds(100),
            PodTerminationDelay = TimeSpan.FromMilliseconds(100),
            JobPodRunDuration = TimeSpan.FromMilliseconds(300),
            CrashLoopRestartInterval = TimeSpan.FromMilliseconds(300),
            Longhorn = longhorn ?? new LonghornOptions { PollInterval = TimeSpan.FromSeconds(1) },
        };
        configure?.Invoke(options);
        var cluster = await SimulatedCluster.StartAsync(options);
        try
        {
            cluster.WriteKubeconfig(Path.Combine(world.InstancePath, "kubeconfig"));
            foreach (var file in Directory.EnumerateFiles(Path.Combine(world.InstancePath, "apps"), "*.yaml", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                if (text.Contains("storage: 10Gi", StringComparison.Ordinal)) File.WriteAllText(file, text.Replace("storage: 10Gi", "storage: " + ClaimSize, StringComparison.Ordinal));
            }
            var kube = KubernetesRestCluster.FromKubeconfig(Path.Combine(world.InstancePath, "kubeconfig"));
            return new ClusterWorld(world, cluster, kube);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Deploys an app from <c>apps/{app}</c> (render, server-side apply) and waits until it is ready.</summary>
    public async Task<IReadOnlyList<AppliedObject>> DeployAsync(string app, CancellationToken ct)
    {
        var objects = KustomizeRenderer.Render(Path.Combine(InstancePath, "apps", app));
        var applied = await ManifestApplier.ApplyAsync(Kube, objects, _ => { }, _ => { }, ct);
        await WaitReadyAsync(applied, ct);
        return applied;
    }

    public async Task WaitReadyAsync(IReadOnlyList<AppliedObject> applied, CancellationToken ct)
    {
        await Waits.UntilAsync(async t =>
        {
            foreach (var a in applied.Where(a => Readiness.IsWaitable(a.Kind.Kind)))
            {
                var o = await Kube.GetAsync(a.Kind, a.Object.Namespace(), a.Object.Name(), t);
                if (o is null || !Readiness.Check(o).Ready) return (false, true, a.Object.Describe());
            }
            return (true, true, "ready");
        }, Wait, TimeSpan.FromMilliseconds(100), null, s => new TimeoutException("not ready: " + s), ct);
    }

    /// <summary>The Longhorn volume behind a claim, once it is bound.</summary>
    public Task<string> VolumeOfAsync(string ns, string claim, CancellationToken ct) => Longhorn.WaitForVolumeAsync(ns, claim, Wait, ct);

    public Task<JsonObject?> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken ct) => Kube.GetAsync(kind, ns, name, ct);

    public async ValueTask DisposeAsync()
    {
        await Kube.DisposeAsync();
        await Cluster.DisposeAsync();
        World.Dispose();
    }
}

/// <summary>Kubeconfigs that point somewhere else: at a port nothing listens on, or at a given one.</summary>
public static class Kubeconfigs
{
    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Writes a copy of the kubeconfig at <paramref name="from"/> whose server is 127.0.0.1:<paramref name="port"/>.</summary>
    public static string WithPort(string from, int port, string to)
    {
        File.WriteAllText(to, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(from), @"127\.0\.0\.1:\d+", $"127.0.0.1:{port}"));
        return to;
    }
}
