using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Instances;

/// <summary>
/// Finds instances and apps under a Wild Cloud data dir (<c>{dataDir}/instances/{instance}/apps/{app}/</c>).
/// Read-only; every name is validated before it becomes a path.
/// </summary>
public sealed class InstanceDirectory
{
    public const string DefaultDataDir = "/var/lib/wild-cloud-central";
    public const string DataDirVariable = "WILD_DATA_DIR";
    public const string InstanceVariable = "WILD_INSTANCE";

    public InstanceDirectory(string dataDir)
    {
        if (string.IsNullOrWhiteSpace(dataDir)) throw new InvalidInputException("InvalidDataDir", "The data directory is empty.");
        DataDir = System.IO.Path.GetFullPath(dataDir);
    }

    public string DataDir { get; }

    /// <summary>The data dir from an explicit value, else <c>$WILD_DATA_DIR</c>, else the production default.</summary>
    public static InstanceDirectory Resolve(string? explicitDataDir)
    {
        var dir = !string.IsNullOrWhiteSpace(explicitDataDir) ? explicitDataDir
            : Environment.GetEnvironmentVariable(DataDirVariable) is { Length: > 0 } env ? env
            : DefaultDataDir;
        return new InstanceDirectory(dir);
    }

    private string InstancesPath => System.IO.Path.Combine(DataDir, "instances");

    /// <summary>Every instance present, by name. Directories whose names are not valid instance names are ignored.</summary>
    public IReadOnlyList<WildInstance> ListInstances()
    {
        if (!Directory.Exists(InstancesPath)) return [];
        return Directory.EnumerateDirectories(InstancesPath)
            .Select(System.IO.Path.GetFileName)
            .Where(n => WildName.IsValid(n))
            .Order(StringComparer.Ordinal)
            .Select(n => new WildInstance(n!, System.IO.Path.Combine(InstancesPath, n!), DataDir))
            .ToList();
    }

    /// <summary>
    /// The instance named explicitly, else by <c>$WILD_INSTANCE</c>, else the only one present.
    /// </summary>
    public WildInstance ResolveInstance(string? name)
    {
        if (string.IsNullOrEmpty(name)) name = Environment.GetEnvironmentVariable(InstanceVariable);
        if (!string.IsNullOrEmpty(name)) return GetInstance(name);
        var all = ListInstances();
        return all.Count switch
        {
            1 => all[0],
            0 => throw new NotFoundException("NoInstance", $"No Wild Cloud instance found under {InstancesPath}. Check -DataDir or $env:{DataDirVariable}."),
            _ => throw new InvalidInputException("InstanceAmbiguous",
                $"Several instances exist ({string.Join(", ", all.Select(i => i.Name))}). Choose one with -Instance or $env:{InstanceVariable}."),
        };
    }

    public WildInstance GetInstance(string name)
    {
        WildName.Validate(name, "instance");
        var path = System.IO.Path.Combine(InstancesPath, name);
        if (!Directory.Exists(path))
            throw new NotFoundException("InstanceNotFound", $"Instance '{name}' not found in {InstancesPath}.") { Target = name };
        return new WildInstance(name, path, DataDir);
    }

    /// <summary>
    /// The apps of an instance: each directory under <c>apps/</c> with a valid name. A directory whose manifest names a
    /// different app (a blue-green copy such as <c>gitea-restore</c> or <c>gitea-old</c>) is not an app of its own.
    /// </summary>
    public IReadOnlyList<WildApp> ListApps(WildInstance instance)
    {
        if (!Directory.Exists(instance.AppsPath)) return [];
        var apps = new List<WildApp>();
        foreach (var dir in Directory.EnumerateDirectories(instance.AppsPath).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(dir);
            if (!WildName.IsValid(name)) continue;
            var app = ReadApp(instance, name);
            if (app.ManifestName is { } m && m != name) continue;
            apps.Add(app.App);
        }
        return apps;
    }

    public WildApp GetApp(WildInstance instance, string name)
    {
        WildName.Validate(name, "app");
        if (!Directory.Exists(instance.AppPath(name)))
            throw new NotFoundException("AppNotFound", $"App '{name}' not found in instance '{instance.Name}' ({instance.AppsPath}).") { Target = name };
        return ReadApp(instance, name).App;
    }

    private static (WildApp App, string? ManifestName) ReadApp(WildInstance instance, string name)
    {
        var path = instance.AppPath(name);
        var manifest = ParsedFiles.Get(System.IO.Path.Combine(path, "manifest.yaml"), AppManifest.TryRead);
        var ns = ParsedFiles.Get(System.IO.Path.Combine(path, "kustomization.yaml"), KustomizationNamespace) ?? name;
        return (new WildApp
        {
            Name = name,
            Instance = instance.Name,
            Namespace = ns,
            Path = path,
            DataDir = instance.DataDir,
            Requires = manifest?.Requires ?? [],
            Description = manifest?.Description,
            Version = manifest?.Version,
        }, manifest?.Name);
    }

    private static string? KustomizationNamespace(string file)
    {
        if (!File.Exists(file)) return null;
        try
        {
            var doc = YamlDocumentText.Parse(File.ReadAllText(file));
            return doc.GetScalar(["namespace"]);
        }
        catch (InvalidInputException)
        {
            return null;
        }
    }
}

/// <summary>
/// What was parsed out of small instance files, kept while the file is unchanged (same size and modification time):
/// a long-lived process (the API server, a PowerShell session) does not re-parse every manifest on every call.
/// </summary>
internal static class ParsedFiles
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, Type Kind), (long Length, DateTime Modified, object? Value)> Cache = new();
    private const int MaxEntries = 10_000;

    public static T? Get<T>(string path, Func<string, T?> parse)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return default;
        var key = (path, typeof(T));
        if (Cache.TryGetValue(key, out var hit) && hit.Length == info.Length && hit.Modified == info.LastWriteTimeUtc) return (T?)hit.Value;
        var value = parse(path);
        if (Cache.Count >= MaxEntries) Cache.Clear();
        Cache[key] = (info.Length, info.LastWriteTimeUtc, value);
        return value;
    }
}

/// <summary>The parts of an app's manifest.yaml the tool uses.</summary>
public sealed record AppManifest(string? Name, string? Description, string? Version, IReadOnlyList<string> Requires)
{
    public static AppManifest? TryRead(string file)
    {
        if (!File.Exists(file)) return null;
        YamlDocumentText doc;
        try
        {
            doc = YamlDocumentText.Parse(File.ReadAllText(file));
        }
        catch (InvalidInputException)
        {
            return null;
        }
        var requires = doc.GetSequenceOfMappingsField(["requires"], "name");
        return new AppManifest(doc.GetScalar(["name"]), doc.GetScalar(["description"]), doc.GetScalar(["version"]), requires);
    }
}
