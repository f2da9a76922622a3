using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// Longhorn on a simulated cluster (<see cref="Cluster.SimulatedClusterOptions.Longhorn"/>): its CRDs, webhooks,
/// controllers and CSI provisioner over the simulated data plane. The BackupTarget <c>default</c> is created pointing
/// at <see cref="BackupTargetUrl"/>, an NFS share that this simulator serves from <see cref="TargetDirectory"/>.
/// </summary>
public sealed record LonghornOptions
{
    /// <summary>The default BackupTarget's URL, Longhorn style (<c>nfs://server:/path</c>). NFS URLs naming this server
    /// and this path (or a directory inside it) map to <see cref="TargetDirectory"/>; others are unavailable.</summary>
    public string BackupTargetUrl { get; init; } = "nfs://127.0.0.1:/export";

    /// <summary>Where the backup store lands (e.g. the NFS-Ganesha export). Null: a fresh temporary directory, removed with the cluster.</summary>
    public string? TargetDirectory { get; init; }

    /// <summary>Where volume files live. Null: a fresh temporary directory, removed with the cluster.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The default BackupTarget's <c>spec.pollInterval</c> (Longhorn's default is 5 minutes; 0 turns polling off).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Setting <c>backup-compression-method</c> at start: lz4 (Longhorn's default), gzip or none.</summary>
    public string BackupCompressionMethod { get; init; } = CompressionMethods.Default;

    /// <summary>A backup still running after this ends in Error (a hang fault ends this way too).</summary>
    public TimeSpan BackupTimeout { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan RestoreTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The node Longhorn's controllers report as their owner (<c>status.ownerID</c>); null: the cluster's first node.</summary>
    public string? NodeName { get; init; }
}
