using System.Text;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Hosting;
using Wild.Backup.Simulator.Longhorn;

namespace Wild.Backup.Shell;

/// <summary>
/// The demo's cluster (demo.ps1): a simulated Kubernetes + Longhorn behind the sample instance, with calls a script can
/// make directly. Longhorn's backup target is a directory kept between runs, as an NFS share would be.
/// </summary>
public sealed class DemoCluster : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly InstanceCluster _cluster;

    private DemoCluster(InstanceCluster cluster) => _cluster = cluster;

    /// <summary>The Longhorn version the cluster behaves like.</summary>
    public string LonghornRelease => _cluster.Cluster.Options.Longhorn!.Version.Release;

    /// <summary>The Kubernetes API server's address.</summary>
    public Uri ApiServer => _cluster.Cluster.BaseUri;

    /// <summary>Starts the cluster and points the instance's kubeconfig at it. Claims are made 64Mi so the demo runs in seconds.
    /// Longhorn behaves like <paramref name="longhornVersion"/> (1.7, 1.8, 1.9, 1.10; default 1.8, as Wild Cloud).</summary>
    public static DemoCluster Start(string instancePath, string backupTargetDirectory, string longhornVersion = "1.8")
    {
        Directory.CreateDirectory(backupTargetDirectory);
        var options = new SimulatedClusterOptions
        {
            PodStartDelay = TimeSpan.FromMilliseconds(200),
            Longhorn = new LonghornOptions
            {
                TargetDirectory = backupTargetDirectory,
                PollInterval = TimeSpan.FromSeconds(2),
                Version = Simulator.Longhorn.LonghornVersion.Parse(longhornVersion),
                AttachDelay = TimeSpan.FromSeconds(1),
            },
        };
        return new DemoCluster(InstanceCluster.StartAsync(instancePath, options, "64Mi", CancellationToken.None).GetAwaiter().GetResult());
    }

    /// <summary>Deploys an app as <c>wild app deploy</c> does and waits until it is ready.</summary>
    public void Deploy(string app)
    {
        using var cts = new CancellationTokenSource(Timeout);
        _cluster.DeployAsync(app, Timeout, cts.Token).GetAwaiter().GetResult();
    }

    /// <summary>The app writes a line of text at the start of its volume.</summary>
    public void WriteText(string ns, string claim, string text)
    {
        using var cts = new CancellationTokenSource(Timeout);
        _cluster.Longhorn.WaitForVolumeAsync(ns, claim, Timeout, cts.Token).GetAwaiter().GetResult();
        var bytes = Encoding.UTF8.GetBytes(text + "\0");
        _cluster.Longhorn.WriteAsync(ns, claim, 0, bytes, cts.Token).GetAwaiter().GetResult();
    }

    /// <summary>The text at the start of the claim's volume (what <see cref="WriteText"/> wrote).</summary>
    public string ReadText(string ns, string claim)
    {
        using var cts = new CancellationTokenSource(Timeout);
        _cluster.Longhorn.WaitForVolumeAsync(ns, claim, Timeout, cts.Token).GetAwaiter().GetResult();
        var buffer = new byte[4096];
        _cluster.Longhorn.ReadAsync(ns, claim, 0, buffer, cts.Token).GetAwaiter().GetResult();
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    public void Dispose() => _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
