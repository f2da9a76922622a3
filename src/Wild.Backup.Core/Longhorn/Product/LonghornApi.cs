using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>Longhorn's API objects as the product uses them (group longhorn.io, v1beta2, namespace longhorn-system), and
/// the names and labels the product puts on them.</summary>
public static partial class LonghornApi
{
    public const string Namespace = "longhorn-system";
    public const string ApiVersion = "longhorn.io/v1beta2";
    public const string CsiDriver = "driver.longhorn.io";
    public const string DefaultTarget = "default";

    public static readonly ResourceKind Backups = new("longhorn.io", "v1beta2", "Backup", "backups", true);
    public static readonly ResourceKind Snapshots = new("longhorn.io", "v1beta2", "Snapshot", "snapshots", true);
    public static readonly ResourceKind Volumes = new("longhorn.io", "v1beta2", "Volume", "volumes", true);
    public static readonly ResourceKind Engines = new("longhorn.io", "v1beta2", "Engine", "engines", true);
    public static readonly ResourceKind BackupVolumes = new("longhorn.io", "v1beta2", "BackupVolume", "backupvolumes", true);
    public static readonly ResourceKind BackupTargets = new("longhorn.io", "v1beta2", "BackupTarget", "backuptargets", true);

    /// <summary>Longhorn's label on a volume's Engines, naming the volume.</summary>
    public const string LabelEngineVolume = "longhornvolume";

    /// <summary>Longhorn's label naming a Backup's (and a BackupVolume's) volume. The creator of a Backup must set it:
    /// Longhorn 1.7–1.9 answer a Backup without it with a webhook 500 (webhook/resources/backup/mutator.go).</summary>
    public const string LabelBackupVolume = "backup-volume";

    /// <summary>Longhorn's label naming a Backup's target (1.8 and later); if set, it must be the volume's
    /// <c>spec.backupTargetName</c> (webhook/resources/backup/validator.go, 1.10).</summary>
    public const string LabelBackupTarget = "backup-target";

    /// <summary>The product's labels on the Snapshots and Backups it makes.</summary>
    public const string LabelInstance = "backup.wildbackup.io/instance";
    public const string LabelApp = "backup.wildbackup.io/app";
    public const string LabelClaim = "backup.wildbackup.io/pvc";
    public const string LabelDestination = "backup.wildbackup.io/destination";

    /// <summary>Checks Longhorn is installed: its Backup kind is served.</summary>
    public static async Task RequireAsync(IKubernetesCluster cluster, CancellationToken ct)
    {
        try
        {
            await cluster.ResolveAsync(ApiVersion, "Backup", ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("LonghornNotInstalled", $"Longhorn is not installed on the cluster at {cluster.Server} (it does not serve {ApiVersion} Backups).");
        }
    }

    /// <summary>A name Longhorn accepts for an object the product creates: <c>{prefix}-{16 hex}</c>, as Longhorn names its own.</summary>
    public static string NewName(string prefix) => prefix + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValuePattern();

    /// <summary>A label value for any text: itself when it is a valid label value, else a stable hash of it.</summary>
    public static string LabelValue(string text) =>
        text.Length <= 63 && LabelValuePattern().IsMatch(text) ? text
            : "h-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant()[..40];
}
