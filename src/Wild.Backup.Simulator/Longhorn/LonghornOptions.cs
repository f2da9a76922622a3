using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// Longhorn on a simulated cluster (<see cref="Cluster.SimulatedClusterOptions.Longhorn"/>): its CRDs, webhooks,
/// controllers and CSI provisioner over the simulated data plane. The BackupTarget <c>default</c> is created pointing
/// at <see cref="BackupTargetUrl"/>, an NFS share that this simulator serves from <see cref="TargetDirectory"/>.
/// </summary>
public sealed record LonghornOptions
{
    /// <summary>The Longhorn release to behave like (1.7, 1.8, 1.9, 1.10); default 1.8, as Wild Cloud runs v1.8.1.</summary>
    public LonghornVersion Version { get; init; } = LonghornVersion.Default;

    /// <summary>How long a detached volume takes to attach when a snapshot, backup or snapshot deletion needs its engine
    /// (Longhorn: seconds to a minute). Until then the Snapshot shows Longhorn's transient <c>status.error</c> and the
    /// Backup waits in Pending.</summary>
    public TimeSpan AttachDelay { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How long after a sync pulls a Backup from the store its status stays empty (the Backup controller's later
    /// reconcile inspects the backup in the store): until then a restore from it is refused (1.8+) or mis-sized (1.7).</summary>
    public TimeSpan PulledBackupStatusDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longhorn's clock minus this machine's: every time longhorn-manager writes (<c>lastSyncedAt</c>, …) and
    /// compares (<c>syncRequestedAt</c>) is this far ahead (negative: behind).</summary>
    public TimeSpan ClockSkew { get; init; }

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
