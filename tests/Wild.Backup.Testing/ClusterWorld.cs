using System.Text.Json.Nodes;
using Wild.Backup.Core;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Hosting;
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

    private ClusterWorld(SampleWorld world, InstanceCluster cluster)
    {
        World = world;
        Instance = cluster;
    }

    public SampleWorld World { get; }
    /// <summary>The cluster behind the sample instance (kubeconfig in the instance, apps deployed as Wild Cloud does).</summary>
    public InstanceCluster Instance { get; }
    public SimulatedCluster Cluster => Instance.Cluster;
    public LonghornSimulator Longhorn => Cluster.Longhorn;
    /// <summary>The Longhorn version the cluster behaves like.</summary>
    public LonghornVersion Version => Cluster.Options.Longhorn!.Version;
    /// <summary>The cluster as the product sees it (from the instance's kubeconfig).</summary>
    public IKubernetesCluster Kube => Instance.Kube;
    public string InstancePath => World.InstancePath;
    public InstanceSelector Selector => World.Selector;

    /// <summary>Engine options for tests: quick polling; everything else as in production.</summary>
    public static EngineOptions EngineOptions => new() { ClusterPollInterval = TimeSpan.FromMilliseconds(100) };

    /// <summary>The Longhorn version tests run against unless they choose one: <c>WILD_LONGHORN_VERSION</c> (1.7, 1.8, 1.9,
    /// 1.10) when set, else 1.8 as Wild Cloud.</summary>
    public static LonghornVersion DefaultVersion =>
        Environment.GetEnvironmentVariable("WILD_LONGHORN_VERSION") is { Length: > 0 } v ? LonghornVersion.Parse(v) : LonghornVersion.Default;

    /// <summary>Longhorn options for tests: quick polling and attaching, the given version (default <see cref="DefaultVersion"/>).</summary>
    public static LonghornOptions LonghornFor(LonghornVersion? version = null) => new()
    {
        PollInterval = TimeSpan.FromSeconds(1),
        AttachDelay = TimeSpan.FromMilliseconds(500),
        Version = version ?? DefaultVersion,
    };

    public static async Task<ClusterWorld> StartAsync(Action<SimulatedClusterOptions>? configure = null, LonghornOptions? longhorn = null, SampleWorld? world = null)
    {
        world ??= new SampleWorld();
        var options = new SimulatedClusterOptions
        {
            PodStartDelay = TimeSpan.FromMilliseconds(100),
            PodTerminationDelay = TimeSpan.FromMilliseconds(100),
            JobPodRunDuration = TimeSpan.FromMilliseconds(300),
            CrashLoopRestartInterval = TimeSpan.FromMilliseconds(300),
            Longhorn = longhorn ?? LonghornFor(),
        };
        configure?.Invoke(options);
        return new ClusterWorld(world, await InstanceCluster.StartAsync(world.InstancePath, options, ClaimSize, CancellationToken.None));
    }

    /// <summary>Deploys an app from <c>apps/{app}</c> (render, server-side apply) and waits until it is ready.</summary>
    public Task<IReadOnlyList<AppliedObject>> DeployAsync(string app, CancellationToken ct) => Instance.DeployAsync(app, Wait, ct);

    public Task WaitReadyAsync(IReadOnlyList<AppliedObject> applied, CancellationToken ct) => Instance.WaitReadyAsync(applied, Wait, ct);

    /// <summary>The Longhorn volume behind a claim, once it is bound.</summary>
    public Task<string> VolumeOfAsync(string ns, string claim, CancellationToken ct) => Longhorn.WaitForVolumeAsync(ns, claim, Wait, ct);

    public Task<JsonObject?> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken ct) => Kube.GetAsync(kind, ns, name, ct);

    public async ValueTask DisposeAsync()
    {
        await Instance.DisposeAsync();
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
