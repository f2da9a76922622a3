using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Storage;

/// <summary>Where an instance's backups go: the one place that decides.</summary>
public static partial class DestinationResolver
{
    public const string Variable = "WILD_BACKUP_DEST";

    /// <summary>
    /// The first of:
    /// <list type="number">
    /// <item>an explicit destination (<c>-Destination</c>, <c>--destination</c>);</item>
    /// <item><c>$WILD_BACKUP_DEST</c>;</item>
    /// <item><c>cloud.backup.destination</c> in config.yaml (this tool's own key);</item>
    /// <item>the daemon's <c>backup.destination</c> block: <c>type: nfs</c> with <c>nfs.server</c> and <c>nfs.path</c>, or
    /// <c>type: local</c> with <c>local.path</c> (civil-society-dev/wild-cloud <c>api/internal/backup/types/types.go</c>,
    /// DestinationConfig; its s3 and azure types are not storage this tool writes to, and are passed over);</item>
    /// <item><c>nfs://{cloud.nfs.host}/data</c> when the instance has an NFS host (a guess: the NAS's data share);</item>
    /// <item>Longhorn's backup target from <c>cluster.longhorn.backupTarget</c> when it is an NFS share (the NAS Longhorn
    /// already writes its volume backups to; Longhorn's own files live in its <c>backupstore/</c> directory there, ours in
    /// <c>{instance}/backups/</c>).</item>
    /// </list>
    /// Empty strings, which the daemon writes for every unset key, count as unset.
    /// </summary>
    public static string Resolve(string? explicitDestination, WildInstance instance)
    {
        if (!string.IsNullOrWhiteSpace(explicitDestination)) return explicitDestination;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } env) return env;
        string? passedOver = null;
        if (File.Exists(instance.ConfigPath))
        {
            var config = YamlDocumentText.Load(instance.ConfigPath, "config.yaml");
            if (Setting(config, "cloud", "backup", "destination") is { } configured) return configured;
            if (DaemonDestination(config, out passedOver) is { } daemon) return daemon;
            if (Setting(config, "cloud", "nfs", "host") is { } host) return $"nfs://{host}/data";
            if (LonghornTarget(config) is { } target) return target;
        }
        throw new InvalidInputException("NoDestination",
            $"No backup destination for instance '{instance.Name}'. Give -Destination, set $env:{Variable}, or set cloud.backup.destination in config.yaml" +
            (passedOver is null ? "." : $" (backup.destination.type '{WildName.Show(passedOver)}' is the daemon's own storage, which this tool does not write to)."));
    }

    /// <summary>The daemon's <c>backup.destination</c> as a destination of ours, or null; <paramref name="passedOver"/>
    /// names a type that was set but is not one this tool writes to.</summary>
    internal static string? DaemonDestination(YamlDocumentText config, out string? passedOver)
    {
        passedOver = null;
        switch (Setting(config, "backup", "destination", "type"))
        {
            case "nfs" when Setting(config, "backup", "destination", "nfs", "server") is { } server && Setting(config, "backup", "destination", "nfs", "path") is { } path:
                return $"nfs://{server}/{path.TrimStart('/')}";
            case "local" when Setting(config, "backup", "destination", "local", "path") is { } local:
                return local;
            case "nfs" or "local" or null:
                return null;
            case var other:
                passedOver = other;
                return null;
        }
    }

    /// <summary><c>cluster.longhorn.backupTarget</c> as an <c>nfs://</c> destination, or null when unset or not NFS.
    /// Longhorn writes NFS targets as <c>nfs://server:/path</c> (a colon before the path, and options such as
    /// <c>?nfsOptions=…</c>); ours is <c>nfs://server/path</c>.</summary>
    internal static string? LonghornTarget(YamlDocumentText config) =>
        Setting(config, "cluster", "longhorn", "backupTarget") is { } target && LonghornNfs().Match(target) is { Success: true } m
            ? $"nfs://{m.Groups["host"].Value}{(m.Groups["port"].Length > 0 ? ":" + m.Groups["port"].Value : "")}{m.Groups["path"].Value}"
            : null;

    [GeneratedRegex(@"^nfs://(?<host>[^/:?#]+|\[[^\]]+\])(:(?<port>[0-9]*))?:?(?<path>/[^?#]*)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LonghornNfs();

    private static string? Setting(YamlDocumentText config, params string[] path) =>
        config.GetScalar(path) is { } value && value.Trim().Length > 0 ? value.Trim() : null;
}
