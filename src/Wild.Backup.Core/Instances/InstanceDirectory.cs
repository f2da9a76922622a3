using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Instances;

/// <summary>
/// Finds instances and apps under a Wild Cloud data dir (<c>{dataDir}/instances/{instance}/apps/{app}/</c>).
/// Read-only; every name is validated before it becomes a path.
/// </summary>
public sealed class InstanceDirectory
{
    /// <summary>The newest Wild Cloud daemon's data dir (civil-society-dev/wild-cloud <c>api/internal/data/paths.go</c>).</summary>
    public const string DefaultDataDir = "/var/lib/wild-central";
    /// <summary>The October 2025 daemon's data dir (civil-society-dev/wild-central <c>daemon/</c>, package
    /// wild-cloud-central).</summary>
    public const string LegacyDataDir = "/var/lib/wild-cloud-central";
    /// <summary>This tool's own override.</summary>
    public const string DataDirVariable = "WILD_DATA_DIR";
    /// <summary>The daemon's override (<c>api/internal/data/paths.go</c> reads it), honoured so both tools agree.</summary>
    public const string DaemonDataDirVariable = "WILD_API_DATA_DIR";
    public const string InstanceVariable = "WILD_INSTANCE";

    /// <summary>The defaults, newest first; the first that exists is used.</summary>
    public static readonly IReadOnlyList<string> DefaultDataDirs = [DefaultDataDir, LegacyDataDir];

    public InstanceDirectory(string dataDir)
    {
        if (string.IsNullOrWhiteSpace(dataDir)) throw new InvalidInputException("InvalidDataDir", "The data directory is empty.");
        DataDir = System.IO.Path.GetFullPath(dataDir);
    }

    public string DataDir { get; }

    /// <summary>
    /// The data dir: an explicit value, else <c>$WILD_DATA_DIR</c>, else the daemon's <c>$WILD_API_DATA_DIR</c>, else the
    /// first of <c>/var/lib/wild-central</c> (newest daemon) and <c>/var/lib/wild-cloud-central</c> (October 2025) that
    /// exists (neither: the newest, so errors name it).
    /// </summary>
    public static InstanceDirectory Resolve(string? explicitDataDir) =>
        new(ChooseDataDir(explicitDataDir, Environment.GetEnvironmentVariable, DefaultDataDirs));

    /// <summary>The choice <see cref="Resolve"/> makes, with the environment and the defaults given (tests).</summary>
    internal static string ChooseDataDir(string? explicitDataDir, Func<string, string?> environment, IReadOnlyList<string> defaults)
    {
        if (!string.IsNullOrWhiteSpace(explicitDataDir)) return explicitDataDir;
        foreach (var variable in new[] { DataDirVariable, DaemonDataDirVariable })
        {
            if (environment(variable) is { Length: > 0 } value) return value;
        }
        return defaults.FirstOrDefault(Directory.Exists) ?? defaults[0];
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
            0 => throw new NotFoundException("NoInstance", $"No Wild Cloud instance found under {InstancesPath}. Check -DataDir, $env:{DataDirVariable} or $env:{DaemonDataDirVariable}."),
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
    /// The apps of an instance: each directory under <c>apps/</c> with a valid name. The app's name is its directory's
    /// name, as everywhere in Wild Cloud; a manifest naming itself differently (open-webui's says <c>openWebui</c>) is a
    /// warning on the app, never a reason to leave it out. The blue-green copies <c>{app}-restore</c> and
    /// <c>{app}-old</c> of an app are not apps of their own.
    /// </summary>
    public IReadOnlyList<WildApp> ListApps(WildInstance instance)
    {
        if (!Directory.Exists(instance.AppsPath)) return [];
        var apps = new List<WildApp>();
        foreach (var dir in Directory.EnumerateDirectories(instance.AppsPath).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(dir);
            if (!WildName.IsValid(name) || BlueGreenCopyOf(instance, name) is not null) continue;
            apps.Add(ReadApp(instance, name));
        }
        return apps;
    }

    public WildApp GetApp(WildInstance instance, string name)
    {
        WildName.Validate(name, "app");
        if (!Directory.Exists(instance.AppPath(name)))
            throw new NotFoundException("AppNotFound", $"App '{name}' not found in instance '{instance.Name}' ({instance.AppsPath}).") { Target = name };
        if (BlueGreenCopyOf(instance, name) is { } app)
            throw new InvalidInputException("NotAnApp", $"apps/{name} is the blue-green copy of app '{app}', not an app. Act on '{app}' (Get-WildRestore {app}).") { Target = name };
        return ReadApp(instance, name);
    }

    /// <summary>The app a directory is the blue-green copy of (<c>{app}-restore</c>, <c>{app}-old</c>) when that app's
    /// directory or its switch journal exists; else null.</summary>
    public static string? BlueGreenCopyOf(WildInstance instance, string name)
    {
        foreach (var suffix in new[] { "-restore", "-old" })
        {
            if (!name.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var app = name[..^suffix.Length];
            if (WildName.IsValid(app) && (Directory.Exists(instance.AppPath(app)) || File.Exists(System.IO.Path.Combine(instance.AppsPath, "." + app + ".switch.json"))))
                return app;
        }
        return null;
    }

    private static WildApp ReadApp(WildInstance instance, string name)
    {
        var path = instance.AppPath(name);
        var manifest = ReadManifest(instance, name);
        var ns = ParsedFiles.Get(System.IO.Path.Combine(path, "kustomization.yaml"), KustomizationNamespace) ?? name;
        var warnings = new List<string>(manifest?.Warnings ?? []);
        if (manifest?.Name is { Length: > 0 } named && named != name)
            warnings.Add($"apps/{name}/manifest.yaml names the app '{WildName.Show(named)}'; the app is '{name}' (its directory), as Wild Cloud uses it.");
        return new WildApp
        {
            Name = name,
            Instance = instance.Name,
            Namespace = ns,
            Path = path,
            DataDir = instance.DataDir,
            Requires = manifest?.Requires ?? [],
            Description = manifest?.Description,
            Version = manifest?.Version,
            Warnings = warnings,
        };
    }

    /// <summary>An app's manifest, read as far as it can be (see <see cref="AppManifest"/>); null when it has none.</summary>
    public static AppManifest? ReadManifest(WildInstance instance, string app) =>
        ParsedFiles.Get(System.IO.Path.Combine(instance.AppPath(app), "manifest.yaml"), f => AppManifest.Read(f, $"apps/{app}/manifest.yaml"));

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
