namespace Wild.Backup.Simulator.Longhorn.Faults;

/// <summary>
/// Fault knobs of the simulated Longhorn data plane. Change them at any time; running work sees the change at its
/// next block. <see cref="Volumes"/> limits the backup knobs to some volumes (null: all).
/// </summary>
public sealed class LonghornFaults
{
    private volatile string? _backupError;
    private volatile bool _hangBackups;
    private long _throughput;
    private volatile bool _targetUnavailable;
    private volatile IReadOnlySet<string>? _volumes;

    /// <summary>Backups fail with this message at their first block (leaving their unfinished cfg, as Longhorn does).</summary>
    public string? BackupError { get => _backupError; set => _backupError = value; }

    /// <summary>Backups stop at InProgress and stay there until cancelled or timed out — the hang users report.</summary>
    public bool HangBackups { get => _hangBackups; set => _hangBackups = value; }

    /// <summary>Bytes per second allowed to and from every backup target (0 or less: unlimited).</summary>
    public long ThroughputLimitBytesPerSecond { get => Interlocked.Read(ref _throughput); set => Interlocked.Exchange(ref _throughput, value); }

    /// <summary>Every backup target stops answering: new Backups are refused, running ones fail, targets report unavailable.</summary>
    public bool TargetUnavailable { get => _targetUnavailable; set => _targetUnavailable = value; }

    /// <summary>The volumes <see cref="BackupError"/> and <see cref="HangBackups"/> apply to; null for all.</summary>
    public IReadOnlySet<string>? Volumes { get => _volumes; set => _volumes = value; }

    internal bool AppliesTo(string volume) => _volumes is null || _volumes.Contains(volume);

    /// <summary>Clears every knob.</summary>
    public void Reset()
    {
        BackupError = null;
        HangBackups = false;
        ThroughputLimitBytesPerSecond = 0;
        TargetUnavailable = false;
        Volumes = null;
    }
}
