using System.Text.Json;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Restores;

/// <summary>
/// The blue-green directories of one app in an instance — <c>apps/{app}</c> (live), <c>apps/{app}-restore</c> (restored
/// copy), <c>apps/{app}-old</c> (previous live after a switch) — their namespaces, and the switch journal
/// (<c>apps/.{app}.switch.json</c>) that makes the two renames of a switch recoverable.
/// <para>Namespace alternation: a restore goes to <c>{app}-restore</c>; when the app already lives there (after an
/// earlier switch), it goes back to <c>{app}</c>. So the live app never shares a namespace with its restored copy, and no
/// namespace is ever renamed (Kubernetes cannot).</para>
/// </summary>
internal sealed class BlueGreenLayout(WildInstance instance, string app)
{
    public string App => app;
    public WildInstance Instance => instance;
    public string LiveDir => instance.AppPath(app);
    public string RestoreDir => Path.Combine(instance.AppsPath, app + "-restore");
    public string OldDir => Path.Combine(instance.AppsPath, app + "-old");
    public string JournalPath => Path.Combine(instance.AppsPath, "." + app + ".switch.json");

    public static string RestoreName(string app) => app + "-restore";

    /// <summary>The namespace a directory's kustomization deploys to (its <c>namespace:</c>, else the app's name).</summary>
    public string NamespaceOf(string dir)
    {
        var file = Path.Combine(dir, "kustomization.yaml");
        if (!File.Exists(file)) return app;
        return YamlDocumentText.Load(file, Path.GetFileName(dir) + "/kustomization.yaml").GetScalar(["namespace"]) ?? app;
    }

    /// <summary>The live app's namespace (or the app's name when it has no directory, e.g. before a migration).</summary>
    public string LiveNamespace => Directory.Exists(LiveDir) ? NamespaceOf(LiveDir) : app;

    /// <summary>Where a restore goes: <c>{app}-restore</c>, or <c>{app}</c> when the live app is in <c>{app}-restore</c>.</summary>
    public string RestoreNamespaceFor(string liveNamespace) => liveNamespace == RestoreName(app) ? app : RestoreName(app);

    public RestoreState State =>
        File.Exists(JournalPath) ? RestoreState.SwitchInterrupted
        : Directory.Exists(RestoreDir) ? RestoreState.RestoredAwaitingSwitch
        : Directory.Exists(OldDir) ? RestoreState.SwitchedAwaitingCleanup
        : RestoreState.None;

    /// <summary>A relative name for messages: <c>apps/gitea-restore</c>.</summary>
    public static string Show(string dir) => "apps/" + Path.GetFileName(dir);

    public sealed record Journal(string RestoreNamespace, string? OldNamespace, bool HadLive, string Step);

    public const string StepRenaming = "renaming";
    public const string StepIngress = "ingress";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Journal? ReadJournal()
    {
        if (!File.Exists(JournalPath)) return null;
        try
        {
            return JsonSerializer.Deserialize<Journal>(File.ReadAllBytes(JournalPath), Json);
        }
        catch (JsonException)
        {
            throw new CorruptBackupException("SwitchJournalDamaged", $"The switch journal {JournalPath} is damaged. Check apps/{app}, apps/{app}-restore and apps/{app}-old by hand, then delete it.") { Target = JournalPath };
        }
    }

    public async Task WriteJournalAsync(Journal journal, CancellationToken ct) =>
        await AtomicFile.WriteAsync(JournalPath, JsonSerializer.SerializeToUtf8Bytes(journal, Json), null, ct).ConfigureAwait(false);

    public void DeleteJournal()
    {
        File.Delete(JournalPath);
        AtomicFile.SyncDirectory(instance.AppsPath);
    }
}
