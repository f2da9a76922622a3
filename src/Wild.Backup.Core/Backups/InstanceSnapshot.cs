using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// config.yaml and secrets.yaml read once for a whole run ("Creating snapshot"): every app backed up in the run gets
/// its sections from the same moment, and a 100-app instance's files are parsed once, not once per app.
/// </summary>
internal sealed class InstanceSnapshot(WildInstance instance)
{
    private YamlDocumentText? _config, _secrets;
    private bool _configRead, _secretsRead;

    public WildInstance Instance => instance;

    /// <summary>config.yaml, or null when the instance has none.</summary>
    public YamlDocumentText? Config => Read(ref _config, ref _configRead, instance.ConfigPath, "config.yaml");

    /// <summary>secrets.yaml, or null when the instance has none.</summary>
    public YamlDocumentText? Secrets => Read(ref _secrets, ref _secretsRead, instance.SecretsPath, "secrets.yaml");

    private static YamlDocumentText? Read(ref YamlDocumentText? doc, ref bool read, string path, string label)
    {
        if (!read)
        {
            doc = File.Exists(path) ? YamlDocumentText.Load(path, label) : null;
            read = true;
        }
        return doc;
    }
}
