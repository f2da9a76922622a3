using System.Collections.Concurrent;

namespace Wild.Backup.Simulator.Longhorn.Faults;

/// <summary>
/// Fault knobs of the simulated Longhorn data plane. Change them at any time; running work sees the change at its
/// next block. The global backup knobs (<see cref="BackupError"/>, <see cref="HangBackups"/>, <see cref="DeleteError"/>)
/// apply to <see cref="Volumes"/> (null: all); <see cref="ForVolume"/> sets knobs for one volume alone, and
/// <see cref="ForTarget"/> for one backup target alone, so tests sharing a cluster do not disturb each other.
/// <see cref="Changed"/> fires after every change (the simulated BackupTarget controller re-checks its targets then).
/// </summary>
public sealed class LonghornFaults
{
    private readonly ConcurrentDictionary<string, VolumeFaults> _volumeFaults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TargetFaults> _targetFaults = new(StringComparer.Ordinal);
    private volatile string? _backupError;
    private volatile string? _deleteError;
    private volatile bool _hangBackups;
    private volatile bool _unknownBackups;
    private long _throughput;
    private volatile bool _targetUnavailable;
    private volatile IReadOnlySet<string>? _volumes;

    /// <summary>Backups fail with this message at their first block (leaving their unfinished cfg, as Longhorn does).</summary>
    public string? BackupError { get => _backupError; set { _backupError = value; OnChanged(); } }

    /// <summary>Backups stop at InProgress and stay there until cancelled or timed out — the hang users report.</summary>
    public bool HangBackups { get => _hangBackups; set { _hangBackups = value; OnChanged(); } }

    /// <summary>Deleting a backup from the store fails with this message (the target itself stays reachable).</summary>
    public string? DeleteError { get => _deleteError; set { _deleteError = value; OnChanged(); } }

    /// <summary>Backups end in state <c>Unknown</c> (the engine reported a state longhorn-manager does not know,
    /// engineapi.ConvertEngineBackupState) — a final state, like Error.</summary>
    public bool UnknownBackups { get => _unknownBackups; set { _unknownBackups = value; OnChanged(); } }

    /// <summary>Bytes per second allowed to and from each backup target (0 or less: unlimited).</summary>
    public long ThroughputLimitBytesPerSecond
    {
        get => Interlocked.Read(ref _throughput);
        set { Interlocked.Exchange(ref _throughput, value); OnChanged(); }
    }

    /// <summary>Every backup target stops answering: new Backups are refused, running ones fail, targets report unavailable.</summary>
    public bool TargetUnavailable { get => _targetUnavailable; set { _targetUnavailable = value; OnChanged(); } }

    /// <summary>The volumes the global <see cref="BackupError"/>, <see cref="HangBackups"/> and <see cref="DeleteError"/> apply to; null for all.</summary>
    public IReadOnlySet<string>? Volumes { get => _volumes; set { _volumes = value; OnChanged(); } }

    /// <summary>Raised after any knob changes; handlers must be quick and must not throw.</summary>
    public event Action? Changed;

    /// <summary>The knobs of one volume (created on first use), added to the global ones.</summary>
    public VolumeFaults ForVolume(string volumeName) => _volumeFaults.GetOrAdd(volumeName, _ => new VolumeFaults(OnChanged));

    /// <summary>The knobs of one backup target (created on first use), added to the global ones.</summary>
    public TargetFaults ForTarget(string targetName) => _targetFaults.GetOrAdd(targetName, _ => new TargetFaults(OnChanged));

    internal bool AppliesTo(string volume) => _volumes is null || _volumes.Contains(volume);

    internal string? BackupErrorFor(string volume) =>
        (AppliesTo(volume) ? _backupError : null) ?? (_volumeFaults.TryGetValue(volume, out var v) ? v.BackupError : null);

    internal bool HangsBackupsOf(string volume) =>
        (_hangBackups && AppliesTo(volume)) || (_volumeFaults.TryGetValue(volume, out var v) && v.HangBackups);

    internal TimeSpan DeleteDelayFor(string volume) => _volumeFaults.TryGetValue(volume, out var v) ? v.DeleteDelay : TimeSpan.Zero;

    internal bool EndsBackupsUnknown(string volume) =>
        (_unknownBackups && AppliesTo(volume)) || (_volumeFaults.TryGetValue(volume, out var v) && v.UnknownBackups);

    internal string? DeleteErrorFor(string volume) =>
        (AppliesTo(volume) ? _deleteError : null) ?? (_volumeFaults.TryGetValue(volume, out var v) ? v.DeleteError : null);

    internal bool IsTargetUnavailable(string target) =>
        _targetUnavailable || (_targetFaults.TryGetValue(target, out var t) && t.Unavailable);

    /// <summary>The stricter of the global and the target's limit (0: unlimited).</summary>
    internal long ThroughputFor(string target)
    {
        var global = ThroughputLimitBytesPerSecond;
        var own = _targetFaults.TryGetValue(target, out var t) ? t.ThroughputLimitBytesPerSecond : 0;
        if (global <= 0) return own;
        return own <= 0 ? global : Math.Min(global, own);
    }

    /// <summary>Clears every knob, global, per volume and per target.</summary>
    public void Reset()
    {
        _backupError = null;
        _deleteError = null;
        _hangBackups = false;
        _unknownBackups = false;
        Interlocked.Exchange(ref _throughput, 0);
        _targetUnavailable = false;
        _volumes = null;
        _volumeFaults.Clear();
        _targetFaults.Clear();
        OnChanged();
    }

    private void OnChanged()
    {
        try
        {
            Changed?.Invoke();
        }
        catch (Exception)
        {
            // A subscriber's fault must not break whoever turned the knob.
        }
    }
}

/// <summary>Fault knobs of one volume's backups and backup deletions.</summary>
public sealed class VolumeFaults
{
    private readonly Action _changed;
    private volatile string? _backupError;
    private volatile string? _deleteError;
    private volatile bool _hangBackups;
    private volatile bool _unknownBackups;

    internal VolumeFaults(Action changed) => _changed = changed;

    public string? BackupError { get => _backupError; set { _backupError = value; _changed(); } }

    public bool HangBackups { get => _hangBackups; set { _hangBackups = value; _changed(); } }

    public string? DeleteError { get => _deleteError; set { _deleteError = value; _changed(); } }

    /// <summary>The volume's backups end in state <c>Unknown</c>.</summary>
    public bool UnknownBackups { get => _unknownBackups; set { _unknownBackups = value; _changed(); } }

    /// <summary>Deleting one of the volume's backups from the store takes at least this long (a slow store: the Backup
    /// stays Deleting meanwhile, and new backups of the volume wait in Pending).</summary>
    public TimeSpan DeleteDelay { get; set; }
}

/// <summary>Fault knobs of one backup target.</summary>
public sealed class TargetFaults
{
    private readonly Action _changed;
    private volatile bool _unavailable;
    private long _throughput;

    internal TargetFaults(Action changed) => _changed = changed;

    public bool Unavailable { get => _unavailable; set { _unavailable = value; _changed(); } }

    public long ThroughputLimitBytesPerSecond
    {
        get => Interlocked.Read(ref _throughput);
        set { Interlocked.Exchange(ref _throughput, value); _changed(); }
    }
}
