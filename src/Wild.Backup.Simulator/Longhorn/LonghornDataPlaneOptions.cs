using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>Settings of the simulated data plane. Defaults follow Longhorn's, except the lock check pause.</summary>
public sealed record LonghornDataPlaneOptions
{
    /// <summary>Where volume files live (one directory per volume). Created when missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Longhorn setting <c>backup-compression-method</c>, for volumes that name none.</summary>
    public string BackupCompressionMethod { get; init; } = CompressionMethods.Default;

    /// <summary>Longhorn setting <c>default-backup-block-size</c>.</summary>
    public long DefaultBackupBlockSize { get; init; } = BackupParameters.DefaultBlockSize;

    /// <summary>Longhorn's lock rules; the 2 s check pause is shortened so tests and demos stay quick.</summary>
    public BlockStoreLockOptions Locks { get; init; } = BlockStoreLockOptions.Longhorn with { CheckWait = TimeSpan.FromMilliseconds(50) };

    /// <summary>A backup that has not finished by then ends in Error (a hang fault ends this way too).</summary>
    public TimeSpan BackupTimeout { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan RestoreTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long a caller waits for a busy volume before a timeout error.</summary>
    public TimeSpan VolumeLockTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
