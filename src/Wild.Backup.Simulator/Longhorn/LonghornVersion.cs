using System.Globalization;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// The Longhorn release the simulator behaves like: 1.7, 1.8 (the default: Wild Cloud installs v1.8.1), 1.9 or 1.10.
/// Each minor version stands for the release of it whose longhorn-manager source the simulator was checked against
/// (<see cref="Release"/>); every behaviour that differs between them asks one of the properties below, and each
/// property names the upstream file (longhorn/longhorn-manager at that tag) it follows. docs/TESTING.md has the table.
/// </summary>
public sealed record LonghornVersion : IComparable<LonghornVersion>
{
    public static readonly LonghornVersion V1_7 = new(7, "v1.7.4");
    public static readonly LonghornVersion V1_8 = new(8, "v1.8.1");
    public static readonly LonghornVersion V1_9 = new(9, "v1.9.2");
    public static readonly LonghornVersion V1_10 = new(10, "v1.10.1");

    /// <summary>The version Wild Cloud runs, and the simulator's default.</summary>
    public static LonghornVersion Default => V1_8;

    public static IReadOnlyList<LonghornVersion> All { get; } = [V1_7, V1_8, V1_9, V1_10];

    private LonghornVersion(int minor, string release)
    {
        Minor = minor;
        Release = release;
    }

    /// <summary>1.<see cref="Minor"/>.</summary>
    public int Minor { get; }

    /// <summary>The longhorn-manager tag read for this version, e.g. <c>v1.8.1</c>.</summary>
    public string Release { get; }

    /// <summary>The engine image the Volume mutator puts in <c>spec.image</c>.</summary>
    public string EngineImage => "longhornio/longhorn-engine:" + Release;

    /// <summary>v1.8 added several backup targets: <c>backupTargetName</c> on Volume, Backup status and BackupVolume, the
    /// <c>backup-target</c> label, BackupVolumes named <c>&lt;volume&gt;-&lt;hash&gt;</c>. v1.7 has one target and names a
    /// BackupVolume after its volume (k8s/pkg/apis/longhorn/v1beta2/volume.go, backupvolume.go; datastore/longhorn.go).</summary>
    public bool HasBackupTargetName => Minor >= 8;

    /// <summary>Only v1.10.0 fills a missing <c>backup-volume</c> label from <c>spec.snapshotName</c>; before, the Backup
    /// mutator wraps a nil error and panics, and the API server answers 500 (webhook/resources/backup/mutator.go).</summary>
    public bool BackupMutatorFindsVolume => Minor >= 10;

    /// <summary>The Backup validator refuses a Backup whose target is missing or not available: v1.9.2 and v1.10 (also
    /// v1.8.3, but not v1.8.1, which this simulates) (webhook/resources/backup/validator.go).</summary>
    public bool BackupValidatorChecksTarget => Minor >= 9;

    /// <summary>v1.10's validator checks the snapshot's volume and target against the labels and the block size
    /// (webhook/resources/backup/validator.go).</summary>
    public bool BackupValidatorChecksSnapshot => Minor >= 10;

    /// <summary>From v1.8 a Backup is deleted from the store asynchronously (state Deleting, failures as Error with
    /// <c>status.messages</c>, retried with back-off), and a new backup of the volume waits in Pending while one is
    /// Deleting; v1.7 deletes synchronously in the reconcile and holds the finalizer until it succeeds
    /// (controller/backup_controller.go: handleBackupDeletionInBackupStore, checkMonitor).</summary>
    public bool DeletesBackupsAsynchronously => Minor >= 8;

    /// <summary>v1.9 added the <c>ublk</c> frontend (k8s/pkg/apis/longhorn/v1beta2/volume.go).</summary>
    public bool HasUblkFrontend => Minor >= 9;

    /// <summary>v1.10 added <c>spec.backupBlockSize</c> (Volume, Backup), the <c>default-backup-block-size</c> setting, and
    /// the rule that a volume's size is a multiple of it (k8s/pkg/apis/longhorn/v1beta2/volume.go, backup.go;
    /// webhook/resources/volume/validator.go).</summary>
    public bool HasBackupBlockSize => Minor >= 10;

    /// <summary>Parses <c>1.7</c>, <c>1.8</c>, <c>1.9</c>, <c>1.10</c> (a leading <c>v</c> and a patch number are accepted:
    /// <c>v1.8.1</c> is 1.8).</summary>
    public static LonghornVersion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim().TrimStart('v', 'V');
        var parts = t.Split('.');
        if (parts.Length is 2 or 3 && parts[0] == "1" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            && All.FirstOrDefault(v => v.Minor == minor) is { } known
            && (parts.Length == 2 || int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return known;
        }
        throw new ArgumentException($"Longhorn version \"{text}\" is not one the simulator knows; use 1.7, 1.8, 1.9 or 1.10.", nameof(text));
    }

    public int CompareTo(LonghornVersion? other) => other is null ? 1 : Minor.CompareTo(other.Minor);

    /// <summary><c>1.8</c>.</summary>
    public override string ToString() => "1." + Minor.ToString(CultureInfo.InvariantCulture);
}
