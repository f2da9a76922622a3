namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>One Longhorn CustomResourceDefinition as YAML (apiextensions.k8s.io/v1).</summary>
public sealed record LonghornCrd(string Kind, string Plural, string Yaml)
{
    public string Name => Plural + ".longhorn.io";
}

/// <summary>
/// The Longhorn CRDs the simulated cluster registers (group longhorn.io, version v1beta2, namespaced, status
/// subresource), for one Longhorn version, written from longhorn-manager's v1beta2 types at that release. Like
/// Longhorn's own CRDs (k8s/crds.yaml: no x-kubernetes-preserve-unknown-fields on v1beta2) they prune unknown fields, so
/// a field a version does not have (<c>backupTargetName</c> on 1.7, <c>backupBlockSize</c> before 1.10) or a misspelt one
/// is silently dropped. They are compiled into the assembly so the API server can load them without files.
/// </summary>
public static class LonghornCrds
{
    public const string Group = "longhorn.io";
    public const string Version = "v1beta2";
    public const string Namespace = "longhorn-system";

    /// <summary>The CRDs of the default version (<see cref="LonghornVersion.Default"/>).</summary>
    public static IReadOnlyList<LonghornCrd> All { get; } = For(LonghornVersion.Default);

    /// <summary>The CRDs of <paramref name="version"/>.</summary>
    public static IReadOnlyList<LonghornCrd> For(LonghornVersion version) =>
    [
        new("Volume", "volumes", VolumeCrd.Yaml(version)),
        new("Snapshot", "snapshots", SnapshotCrd.Yaml(version)),
        new("Backup", "backups", BackupCrd.Yaml(version)),
        new("BackupVolume", "backupvolumes", BackupVolumeCrd.Yaml(version)),
        new("BackupTarget", "backuptargets", BackupTargetCrd.Yaml(version)),
        new("Setting", "settings", SettingCrd.Yaml(version)),
        new("Engine", "engines", EngineCrd.Yaml(version)),
    ];

    /// <summary>The CRDs of <paramref name="version"/> (default: the default version) as one multi-document YAML stream
    /// (for <c>kubectl apply -f</c>).</summary>
    public static string AllAsYamlStream(LonghornVersion? version = null) =>
        string.Join("\n---\n", For(version ?? LonghornVersion.Default).Select(c => c.Yaml.TrimEnd())) + "\n";
}
