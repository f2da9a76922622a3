using System.Security.Cryptography;
using System.Text;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Longhorn.Crds;

namespace Wild.Backup.Simulator.Longhorn.Kube;

/// <summary>Names Longhorn uses on the API: resources, labels, finalizer, field managers, webhook names.</summary>
internal static class LonghornKube
{
    public const string Namespace = LonghornCrds.Namespace;
    public const string ApiVersion = LonghornCrds.Group + "/" + LonghornCrds.Version;

    /// <summary>The finalizer longhorn-manager puts on its objects (its API group).</summary>
    public const string Finalizer = LonghornCrds.Group;

    public const string Manager = "longhorn-manager";
    public const string CsiManager = "longhorn-csi-plugin";
    public const string MutatorName = "mutator.longhorn.io";
    public const string ValidatorName = "validator.longhorn.io";
    public const string DefaultTargetName = "default";

    public const string LabelBackupVolume = LonghornDataPlane.LabelBackupVolume;
    public const string LabelBackupTarget = LonghornDataPlane.LabelBackupTarget;
    public const string LabelVolume = "longhornvolume";
    public const string LabelVolumeAccessMode = LonghornDataPlane.LabelVolumeAccessMode;

    /// <summary>Put on an object whose deletion must leave the backup store alone.</summary>
    public const string LabelDeleteCustomResourceOnly = "longhorn.io/delete-custom-resource-only";

    public static readonly GroupVersionResource Volumes = Gvr("volumes");
    public static readonly GroupVersionResource Snapshots = Gvr("snapshots");
    public static readonly GroupVersionResource Backups = Gvr("backups");
    public static readonly GroupVersionResource BackupVolumes = Gvr("backupvolumes");
    public static readonly GroupVersionResource BackupTargets = Gvr("backuptargets");
    public static readonly GroupVersionResource Settings = Gvr("settings");
    public static readonly GroupVersionResource Engines = Gvr("engines");

    /// <summary>longhorn-manager's BackupVolume name: from v1.8 the volume, '-', the first 8 hex digits of
    /// sha256("&lt;volume&gt;-&lt;target&gt;") (types.GetBackupVolumeNameFromVolumeName); v1.7: the volume's name.</summary>
    public static string BackupVolumeName(string volumeName, string targetName, LonghornVersion version)
    {
        if (!version.HasBackupTargetName) return volumeName;
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{volumeName}-{targetName}".Trim()))).ToLowerInvariant();
        return volumeName + "-" + hash[..8];
    }

    /// <summary>The first engine of a volume (longhorn-manager GenerateEngineNameForVolume).</summary>
    public static string EngineName(string volumeName) => volumeName + "-e-0";

    private static GroupVersionResource Gvr(string plural) => new(LonghornCrds.Group, LonghornCrds.Version, plural);
}
