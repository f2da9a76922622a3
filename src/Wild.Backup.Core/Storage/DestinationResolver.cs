using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Storage;

/// <summary>Where an instance's backups go: the one place that decides.</summary>
public static class DestinationResolver
{
    public const string Variable = "WILD_BACKUP_DEST";

    /// <summary>
    /// An explicit destination, else <c>$WILD_BACKUP_DEST</c>, else <c>cloud.backup.destination</c> in config.yaml,
    /// else <c>nfs://{cloud.nfs.host}/data</c> when the instance has an NFS host.
    /// </summary>
    public static string Resolve(string? explicitDestination, WildInstance instance)
    {
        if (!string.IsNullOrWhiteSpace(explicitDestination)) return explicitDestination;
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } env) return env;
        if (File.Exists(instance.ConfigPath))
        {
            var config = YamlDocumentText.Load(instance.ConfigPath, "config.yaml");
            if (config.GetScalar(["cloud", "backup", "destination"]) is { Length: > 0 } configured) return configured;
            if (config.GetScalar(["cloud", "nfs", "host"]) is { Length: > 0 } host) return $"nfs://{host}/data";
        }
        throw new InvalidInputException("NoDestination",
            $"No backup destination for instance '{instance.Name}'. Give -Destination, set $env:{Variable}, or set cloud.backup.destination in config.yaml.");
    }
}
