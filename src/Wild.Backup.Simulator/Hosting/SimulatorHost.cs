using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Nfs;
using Wild.Backup.Simulator.Security;

namespace Wild.Backup.Simulator.Hosting;

/// <summary>
/// What the host runs, from its arguments: NFS-Ganesha serving the backup target directory (with <c>--nfs-export</c>),
/// then the simulated cluster with Longhorn pointed at it, and the kubeconfig. Disposing stops both.
/// </summary>
internal sealed class SimulatorHost : IAsyncDisposable
{
    private SimulatorHost(HostArguments arguments, SimulatedCluster cluster, GaneshaServer? nfs)
    {
        Arguments = arguments;
        Cluster = cluster;
        Nfs = nfs;
    }

    public HostArguments Arguments { get; }

    public SimulatedCluster Cluster { get; }

    /// <summary>The NFS server exporting the backup target, or null.</summary>
    public GaneshaServer? Nfs { get; }

    /// <summary>The export path Ganesha serves (its default) and the default target URL names.</summary>
    public const string DefaultPseudo = "/export";

    /// <summary>The Longhorn-style URL of an export on this machine (<c>nfs://127.0.0.1:/export</c>).</summary>
    public static string BackupTargetUrlFor(string pseudo) => $"nfs://127.0.0.1:{pseudo}";

    public static async Task<SimulatorHost> StartAsync(HostArguments arguments, ILoggerFactory? logs, CancellationToken ct)
    {
        GaneshaServer? nfs = null;
        if (arguments.NfsExport is { } export)
        {
            Directory.CreateDirectory(export);
            nfs = await GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = export, NfsPort = arguments.NfsPort }, ct).ConfigureAwait(false);
        }
        try
        {
            var options = new SimulatedClusterOptions
            {
                Port = arguments.Port,
                UseHttps = !arguments.Http,
                LoggerFactory = logs,
                LogRequests = arguments.Verbose,
                Longhorn = arguments.Longhorn
                    ? new LonghornOptions
                    {
                        BackupTargetUrl = BackupTargetUrlFor(nfs?.Pseudo ?? DefaultPseudo),
                        TargetDirectory = arguments.NfsExport ?? arguments.BackupDirectory,
                        DataDirectory = arguments.LonghornDataDirectory,
                        PollInterval = arguments.PollInterval,
                        Version = arguments.LonghornVersion,
                        ClockSkew = arguments.ClockSkew,
                    }
                    : null,
            };
            var cluster = await SimulatedCluster.StartAsync(options, ct).ConfigureAwait(false);
            cluster.WriteKubeconfig(arguments.KubeconfigPath, arguments.UseToken ? KubeconfigCredential.Token : KubeconfigCredential.ClientCertificate);
            return new SimulatorHost(arguments, cluster, nfs);
        }
        catch
        {
            if (nfs is not null) await nfs.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>What a person needs to use it: where it runs, the kubeconfig, the backup target and NFS URLs.</summary>
    public IReadOnlyList<string> Describe()
    {
        var o = Cluster.Options;
        var lines = new List<string>
        {
            $"Simulated cluster \"{o.ClusterName}\" (Kubernetes {o.KubernetesVersion}, Talos {o.TalosVersion}) is running at {Cluster.BaseUri}",
            $"Kubeconfig: {Arguments.KubeconfigPath}",
        };
        if (o.Longhorn is not null)
        {
            lines.Add($"Longhorn {o.Longhorn.Version} (behaves like longhorn-manager {o.Longhorn.Version.Release}{(o.Longhorn.ClockSkew == TimeSpan.Zero ? "" : $", its clock {o.Longhorn.ClockSkew.TotalSeconds:+0;-0} s from this machine's")})");
            lines.Add($"Longhorn backup target URL: {Cluster.Longhorn.BackupTargetUrl} (BackupTarget \"default\" in longhorn-system)");
            lines.Add($"Backup store directory: {Cluster.Longhorn.TargetDirectory}");
            lines.Add($"Longhorn volume files: {Cluster.Longhorn.DataDirectory}");
        }
        if (Nfs is not null)
        {
            lines.Add($"NFS URL (NFS-Ganesha, NFSv3 over TCP): {Nfs.Url()}");
        }
        lines.Add("");
        lines.Add("Use it with:");
        lines.Add($"  export KUBECONFIG={Arguments.KubeconfigPath}");
        lines.Add("  kubectl get nodes");
        if (o.Longhorn is not null) lines.Add("  kubectl -n longhorn-system get backuptargets.longhorn.io,volumes.longhorn.io,backups.longhorn.io");
        lines.Add("  Import-Module WildBackup   # then the cmdlets read the same kubeconfig");
        if (o.Longhorn is not null)
        {
            lines.Add("");
            lines.Add("Fault knobs (annotations; remove one to clear it):");
            lines.Add("  kubectl -n longhorn-system annotate backuptargets.longhorn.io default sim.wildbackup.io/unavailable=true");
            lines.Add("  kubectl -n longhorn-system annotate backuptargets.longhorn.io default sim.wildbackup.io/throughput-bytes-per-second=1048576");
            lines.Add("  kubectl -n longhorn-system annotate volumes.longhorn.io <volume> sim.wildbackup.io/backup-fault=error|hang|unknown");
        }
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync().ConfigureAwait(false);
        if (Nfs is not null) await Nfs.DisposeAsync().ConfigureAwait(false);
    }
}
