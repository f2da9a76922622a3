using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// config.yaml and secrets.yaml read once for a whole run ("Creating snapshot"): every app backed up in the run gets
/// its sections from the same moment, and a 100-app instance's files are parsed once, not once per app.
/// </summary>
internal sealed class InstanceSnapshot(WildInstance instance)
{
    // Read on first use, once, also when several apps ask at the same moment.
    private readonly Lazy<YamlDocumentText?> _config = new(() => Read(instance.ConfigPath, "config.yaml"));
    private readonly Lazy<YamlDocumentText?> _secrets = new(() => Read(instance.SecretsPath, "secrets.yaml"));

    public WildInstance Instance => instance;

    /// <summary>config.yaml, or null when the instance has none.</summary>
    public YamlDocumentText? Config => _config.Value;

    /// <summary>secrets.yaml, or null when the instance has none.</summary>
    public YamlDocumentText? Secrets => _secrets.Value;

    private static YamlDocumentText? Read(string path, string label) => File.Exists(path) ? Parsed(path, File.ReadAllText(path), label) : null;

    /// <summary>The last parse of each file, held weakly: a run right after another (Backup-WildApp -All then
    /// Backup-WildCluster, a scheduler's next run) reuses it when the text is the same, and nothing — secrets.yaml
    /// included — is kept alive past the next garbage collection on its account.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, WeakReference<YamlDocumentText>> LastParsed = new(StringComparer.Ordinal);

    private static YamlDocumentText Parsed(string path, string text, string label)
    {
        if (LastParsed.TryGetValue(path, out var weak) && weak.TryGetTarget(out var cached) && cached.Text == text && cached.Label == label) return cached;
        var doc = YamlDocumentText.Parse(text, label);
        LastParsed[path] = new WeakReference<YamlDocumentText>(doc);
        return doc;
    }
}
