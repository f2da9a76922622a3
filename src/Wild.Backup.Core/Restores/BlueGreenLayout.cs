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

    /// <summary>A restore may start: no restored copy, old deployment or unfinished switch is in the way.</summary>
    public void RequireCanRestore()
    {
        switch (State)
        {
            case RestoreState.RestoredAwaitingSwitch:
                throw new ConflictException("RestoreAwaitingSwitch",
                    $"App '{app}' already has a restored copy ({Show(RestoreDir)}). Switch to it with Switch-WildRestore, or discard it with Complete-WildRestore -DiscardRestore, before restoring again.") { Target = app };
            case RestoreState.SwitchedAwaitingCleanup:
                throw new ConflictException("RestoreAwaitingCleanup",
                    $"The previous deployment of app '{app}' is still there ({Show(OldDir)}). Remove it with Complete-WildRestore before restoring again.") { Target = app };
            case RestoreState.SwitchInterrupted:
                throw SwitchIncomplete();
        }
    }

    /// <summary>A switch may start (or resume, after an interrupted one).</summary>
    public void RequireCanSwitch()
    {
        RequireKnown();
        switch (State)
        {
            case RestoreState.None:
                throw new NotFoundException("NoRestoreToSwitch", $"There is no restored copy of app '{app}' to switch to ({Show(RestoreDir)} does not exist). Run Restore-WildApp first.") { Target = app };
            case RestoreState.SwitchedAwaitingCleanup:
                throw new ConflictException("AlreadySwitched", $"App '{app}' was already switched to its restored copy; remove the old deployment with Complete-WildRestore.") { Target = app };
            case RestoreState.RestoredAwaitingSwitch when Directory.Exists(OldDir):
                throw new ConflictException("OldDeploymentExists", $"{Show(OldDir)} still exists from an earlier switch; remove it with Complete-WildRestore first.") { Target = app };
        }
    }

    /// <summary>A cleanup may start; returns the directory it removes (<c>-old</c>, or <c>-restore</c> when discarding).</summary>
    public string RequireCanCleanUp(bool discardRestore)
    {
        RequireKnown();
        return State switch
        {
            RestoreState.SwitchInterrupted => throw SwitchIncomplete(),
            RestoreState.RestoredAwaitingSwitch when !discardRestore => throw new ConflictException("RestoreNotSwitched",
                $"App '{app}' has a restored copy that was not switched to ({Show(RestoreDir)}). Switch to it with Switch-WildRestore, or throw it away with Complete-WildRestore -DiscardRestore.") { Target = app },
            RestoreState.RestoredAwaitingSwitch => RestoreDir,
            RestoreState.SwitchedAwaitingCleanup => OldDir,
            _ => throw new NotFoundException("NothingToCleanUp", $"There is no old deployment of app '{app}' to remove ({Show(OldDir)} does not exist).") { Target = app },
        };
    }

    /// <summary>The app has some directory (live, restored or old) or a switch journal in this instance.</summary>
    public void RequireKnown()
    {
        if (!Directory.Exists(LiveDir) && !Directory.Exists(RestoreDir) && !Directory.Exists(OldDir) && !File.Exists(JournalPath))
            throw new NotFoundException("AppNotFound", $"App '{app}' not found in instance '{instance.Name}' ({instance.AppsPath}).") { Target = app };
    }

    private ConflictException SwitchIncomplete() =>
        new("SwitchIncomplete", $"A switch of app '{app}' did not finish; run Switch-WildRestore to complete it first.") { Target = app };

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
