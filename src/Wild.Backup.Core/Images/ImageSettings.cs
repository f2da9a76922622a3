using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Images;

/// <summary>
/// An instance's image settings, in its config.yaml:
/// <code>
/// cloud:
///   backup:
///     exportImages: true                    # Backup-WildApp writes volumes/{pvc}.qcow2 too (off by default: doubles storage)
///     longhornTarget: nfs://nas/backups     # where Longhorn's backup store is readable from here, when its own URL is not
/// </code>
/// </summary>
public static class ImageSettings
{
    public static readonly IReadOnlyList<string> ExportImagesKey = ["cloud", "backup", "exportImages"];
    public static readonly IReadOnlyList<string> LonghornTargetKey = ["cloud", "backup", "longhornTarget"];

    /// <summary>True when config.yaml turns image export on for every app backup.</summary>
    public static bool ExportImages(WildInstance instance) =>
        Read(instance, ExportImagesKey) is { } v && (v.Equals("true", StringComparison.OrdinalIgnoreCase) || v.Equals("yes", StringComparison.OrdinalIgnoreCase));

    /// <summary>The configured place to read Longhorn's backup store from, or null: <c>cloud.backup.longhornTarget</c>,
    /// else the Wild Cloud daemon's <c>cluster.longhorn.backupTarget</c> when it is an NFS target (as an <c>nfs://</c> URL
    /// of ours, see <see cref="Storage.DestinationResolver.LonghornTarget"/>).</summary>
    public static string? LonghornTarget(WildInstance instance)
    {
        if (!File.Exists(instance.ConfigPath)) return null;
        var config = YamlDocumentText.Load(instance.ConfigPath, "config.yaml");
        return config.GetScalar(LonghornTargetKey) is { Length: > 0 } v ? v : Storage.DestinationResolver.LonghornTarget(config);
    }

    private static string? Read(WildInstance instance, IReadOnlyList<string> key) =>
        File.Exists(instance.ConfigPath) && YamlDocumentText.Load(instance.ConfigPath, "config.yaml").GetScalar(key) is { Length: > 0 } v ? v : null;
}
