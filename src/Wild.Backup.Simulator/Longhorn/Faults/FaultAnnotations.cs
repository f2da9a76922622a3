namespace Wild.Backup.Simulator.Longhorn.Faults;

/// <summary>
/// Fault knobs as annotations, for a cluster run by hand (<c>kubectl annotate</c>); removing an annotation clears its knob.
/// On a BackupTarget: <see cref="Unavailable"/> ("true") and <see cref="Throughput"/> (bytes per second).
/// On a Longhorn Volume: <see cref="BackupFault"/> ("error", "hang" or "unknown"), <see cref="BackupError"/> (the error's message)
/// and <see cref="DeleteError"/> (deleting its backups from the store fails with this message).
/// </summary>
public static class FaultAnnotations
{
    public const string Prefix = "sim.wildbackup.io/";
    public const string Unavailable = Prefix + "unavailable";
    public const string Throughput = Prefix + "throughput-bytes-per-second";
    public const string BackupFault = Prefix + "backup-fault";
    public const string BackupError = Prefix + "backup-error";
    public const string DeleteError = Prefix + "delete-error";

    public const string DefaultBackupError = "simulated backup failure";
}
