namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>One Longhorn CustomResourceDefinition as YAML (apiextensions.k8s.io/v1).</summary>
public sealed record LonghornCrd(string Kind, string Plural, string Yaml)
{
    public string Name => Plural + ".longhorn.io";
}

/// <summary>
/// The Longhorn CRDs the simulated cluster registers (group longhorn.io, version v1beta2, namespaced, status
/// subresource), trimmed to the fields the product uses and written from longhorn-manager's v1beta2 types. Schemas
/// preserve unknown fields, so objects carrying more of Longhorn's fields are stored as sent.
/// They are compiled into the assembly (a constant per CRD) so the API server can load them without files.
/// </summary>
public static class LonghornCrds
{
    public const string Group = "longhorn.io";
    public const string Version = "v1beta2";
    public const string Namespace = "longhorn-system";

    public static IReadOnlyList<LonghornCrd> All { get; } =
    [
        new("Volume", "volumes", VolumeCrd.Yaml),
        new("Snapshot", "snapshots", SnapshotCrd.Yaml),
        new("Backup", "backups", BackupCrd.Yaml),
        new("BackupVolume", "backupvolumes", BackupVolumeCrd.Yaml),
        new("BackupTarget", "backuptargets", BackupTargetCrd.Yaml),
        new("Setting", "settings", SettingCrd.Yaml),
        new("Engine", "engines", EngineCrd.Yaml),
    ];

    /// <summary>All CRDs as one multi-document YAML stream (for <c>kubectl apply -f</c>).</summary>
    public static string AllAsYamlStream() => string.Join("\n---\n", All.Select(c => c.Yaml.TrimEnd())) + "\n";
}
