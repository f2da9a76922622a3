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
        var options = SimulatedOptions(longhorn);
        configure?.Invoke(options);
        return new ClusterWorld(world, await InstanceCluster.StartAsync(world.InstancePath, options, ClaimSize, CancellationToken.None));
    }

    /// <summary>The simulated cluster as tests want it: quick pods and jobs, Longhorn polling every second.</summary>
    public static SimulatedClusterOptions SimulatedOptions(LonghornOptions? longhorn = null) => new()
    {
        PodStartDelay = TimeSpan.FromMilliseconds(100),
        PodTerminationDelay = TimeSpan.FromMilliseconds(100),
        JobPodRunDuration = TimeSpan.FromMilliseconds(300),
        CrashLoopRestartInterval = TimeSpan.FromMilliseconds(300),
        Longhorn = longhorn ?? LonghornFor(),
    };

    /// <summary>Deploys an app from <c>apps/{app}</c> (render, server-side apply) and waits until it is ready.</summary>
    public Task<IReadOnlyList<AppliedObject>> DeployAsync(string app, CancellationToken ct) => Instance.DeployAsync(app, Wait, ct);

    public Task WaitReadyAsync(IReadOnlyList<AppliedObject> applied, CancellationToken ct) => Instance.WaitReadyAsync(applied, Wait, ct);

    /// <summary>A new app <paramref name="to"/> made from <c>apps/{from}</c>: every file copied with the app's name replaced
    /// (namespace, objects, claims), then <paramref name="edit"/> applied to each file's text.</summary>
    public void CopyApp(string from, string to, Func<string, string>? edit = null)
    {
        var source = Path.Combine(InstancePath, "apps", from);
        var target = Path.Combine(InstancePath, "apps", to);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            var text = System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(file), $@"\b{from}\b", to);
            File.WriteAllText(dest, edit is null ? text : edit(text));
        }
    }

    /// <summary>Changes one file of an app (as a user editing its manifests would).</summary>
    public void EditApp(string app, string file, Func<string, string> edit)
    {
        var path = Path.Combine(InstancePath, "apps", app, file);
        File.WriteAllText(path, edit(File.ReadAllText(path)));
    }

    /// <summary>
    /// Longhorn's documented setup for encrypted volumes: a Secret <c>longhorn-crypto</c> in longhorn-system holding the
    /// passphrase (<c>CRYPTO_KEY_VALUE</c>, provider <c>secret</c>) and a StorageClass <paramref name="name"/> with
    /// <c>encrypted: "true"</c> whose provisioner, node-publish and node-stage secrets name it.
    /// </summary>
    public async Task CreateEncryptedStorageClassAsync(string name, CancellationToken ct)
    {
        await Kube.ApplyAsync(ResourceKind.Secret, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "longhorn-crypto", ["namespace"] = "longhorn-system" },
            ["stringData"] = new JsonObject { ["CRYPTO_KEY_VALUE"] = "a passphrase only the cluster knows", ["CRYPTO_KEY_PROVIDER"] = "secret" },
        }, "test", force: true, ct);
        var parameters = new JsonObject { ["numberOfReplicas"] = "3", ["staleReplicaTimeout"] = "2880", ["encrypted"] = "true" };
        foreach (var kind in new[] { "provisioner", "node-publish", "node-stage" })
        {
            parameters[$"csi.storage.k8s.io/{kind}-secret-name"] = "longhorn-crypto";
            parameters[$"csi.storage.k8s.io/{kind}-secret-namespace"] = "longhorn-system";
        }
        await Kube.ApplyAsync(ResourceKind.StorageClass, new JsonObject
        {
            ["apiVersion"] = "storage.k8s.io/v1",
            ["kind"] = "StorageClass",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["provisioner"] = "driver.longhorn.io",
            ["allowVolumeExpansion"] = true,
            ["reclaimPolicy"] = "Delete",
            ["volumeBindingMode"] = "Immediate",
            ["parameters"] = parameters,
        }, "test", force: true, ct);
    }

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
