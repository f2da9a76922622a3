using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Http;
using Wild.Backup.Simulator.Provisioning;
using Wild.Backup.Simulator.Security;

namespace Wild.Backup.Simulator.Cluster;

/// <summary>
/// A simulated Talos + Kubernetes + Longhorn cluster: a Kubernetes API server on 127.0.0.1 (HTTPS,
/// client-certificate or bearer-token authentication) with the built-in controllers, usable by
/// KubernetesClient through <see cref="WriteKubeconfig"/>, and in-process through <see cref="Api"/>.
/// </summary>
/// <example>
/// <code>
/// await using var cluster = await SimulatedCluster.StartAsync();
/// cluster.WriteKubeconfig("/tmp/kubeconfig");
/// var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile("/tmp/kubeconfig"));
/// </code>
/// </example>
public sealed class SimulatedCluster : IAsyncDisposable
{
    private readonly ClusterRuntime runtime;
    private readonly ClusterPki? pki;
    private readonly CancellationTokenSource stopping = new();
    private readonly ControllerManager controllers;
    private readonly List<IClusterExtension> extensions;
    private readonly Longhorn.LonghornExtension? longhorn;
    private ApiHttpServer? server;
    private int disposed;

    private SimulatedCluster(SimulatedClusterOptions options)
    {
        Options = options;
        pki = options.UseHttps ? ClusterPki.Create() : null;
        BearerToken = options.BearerToken ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        runtime = new ClusterRuntime(options, pki?.CaPem ?? "");
        controllers = new ControllerManager(runtime);
        longhorn = options.Longhorn is { } lh ? new Longhorn.LonghornExtension(lh) : null;
        extensions = [.. longhorn is null ? [] : new IClusterExtension[] { longhorn }, .. options.Extensions];
    }

    public SimulatedClusterOptions Options { get; }

    /// <summary>https://127.0.0.1:port/ (or http:// when HTTPS is off).</summary>
    public Uri BaseUri => server?.BaseUri ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>A bearer token the API server accepts (an alternative to the kubeconfig's client certificate).</summary>
    public string BearerToken { get; }

    /// <summary>PEM of the cluster CA (empty without HTTPS).</summary>
    public string CertificateAuthorityPem => pki?.CaPem ?? "";

    /// <summary>The API server in-process (same semantics as HTTP, no network).</summary>
    public IClusterApi Api => runtime.Api;

    /// <summary>Longhorn on this cluster (write and read volume data, fault knobs); only with <see cref="SimulatedClusterOptions.Longhorn"/>.</summary>
    public Longhorn.LonghornSimulator Longhorn =>
        longhorn?.Simulator ?? throw new InvalidOperationException("This cluster runs without Longhorn; set SimulatedClusterOptions.Longhorn.");

    /// <summary>Records Events about objects (as a component would).</summary>
    public IEventRecorder Events => runtime.Events;

    /// <summary>Starts a cluster: bootstrap objects, controllers, extensions, then the HTTP listener.</summary>
    public static async Task<SimulatedCluster> StartAsync(SimulatedClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        var cluster = new SimulatedCluster(options ?? new SimulatedClusterOptions());
        try
        {
            await cluster.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        runtime.Provisioners.Register(new CsiVolumeProvisioner("driver.longhorn.io"));
        foreach (var p in Options.Provisioners) runtime.Provisioners.Register(p);
        ClusterBootstrap.Run(runtime);
        controllers.Start(ControllerManager.Create(runtime), stopping.Token);

        var log = runtime.LoggerFactory.CreateLogger("Wild.Backup.Simulator.Extensions");
        foreach (var extension in extensions)
        {
            var context = new ClusterExtensionContext(runtime, runtime.LoggerFactory.CreateLogger("Wild.Backup.Simulator.Extensions." + extension.Name));
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
            await extension.InitializeAsync(context, linked.Token).ConfigureAwait(false);
            controllers.Track(Task.Run(async () =>
            {
                try
                {
                    await extension.RunAsync(context, stopping.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    log.LogError(e, "extension {Extension} stopped", extension.Name);
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None));
        }

        server = await ApiHttpServer.StartAsync(runtime, pki, BearerToken, stopping.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The kubeconfig text (cluster, context admin@ClusterName, user), as talosctl writes it.</summary>
    public string KubeconfigText(KubeconfigCredential credential = KubeconfigCredential.ClientCertificate, string defaultNamespace = "default")
    {
        if (credential == KubeconfigCredential.ClientCertificate && pki is null)
        {
            throw new InvalidOperationException("client certificates need HTTPS; use KubeconfigCredential.Token");
        }
        return Kubeconfig.Render(Options.ClusterName, BaseUri, pki?.CaPem, credential, pki?.ClientCertificatePem ?? "", pki?.ClientKeyPem ?? "", BearerToken, defaultNamespace);
    }

    /// <summary>Writes a kubeconfig (mode 0600) that KubernetesClient and kubectl load unchanged.</summary>
    public void WriteKubeconfig(string path, KubeconfigCredential credential = KubeconfigCredential.ClientCertificate, string defaultNamespace = "default")
        => Kubeconfig.Write(path, KubeconfigText(credential, defaultNamespace));

    /// <summary>The kubeconfig as a stream (for KubernetesClientConfiguration.BuildConfigFromConfigFile(Stream)).</summary>
    public Stream KubeconfigStream(KubeconfigCredential credential = KubeconfigCredential.ClientCertificate)
        => new MemoryStream(Encoding.UTF8.GetBytes(KubeconfigText(credential)));

    /// <summary>Registers (or replaces) a dynamic volume provisioner.</summary>
    public void RegisterProvisioner(IVolumeProvisioner provisioner) => runtime.Provisioners.Register(provisioner);

    /// <summary>Forgets the watch/list history, like an etcd compaction: older resourceVersions now get 410 Gone.</summary>
    public void CompactHistory() => runtime.Store.Compact();

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => runtime.Store.CurrentResourceVersion;

    /// <summary>Adds a pod behaviour rule at runtime (applies to pods started afterwards).</summary>
    public void AddPodBehavior(PodBehaviorRule rule)
    {
        lock (Options.PodBehaviors) Options.PodBehaviors.Add(rule);
    }

    internal ClusterRuntime Runtime => runtime;

    /// <summary>Stops the HTTP listener, watches, controllers and extensions.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        await stopping.CancelAsync().ConfigureAwait(false);
        runtime.Store.CompleteAll();
        if (server is not null) await server.DisposeAsync().ConfigureAwait(false);
        await controllers.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        foreach (var extension in extensions.OfType<IAsyncDisposable>()) await extension.DisposeAsync().ConfigureAwait(false);
        pki?.Dispose();
        stopping.Dispose();
    }
}
