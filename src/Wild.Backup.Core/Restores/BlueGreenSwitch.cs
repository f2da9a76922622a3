using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Kubernetes.Kustomize;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.Core.Restores;

/// <summary>
/// Switches an app to its restored copy (<c>restore_switch</c>), as the design says: swap the directories
/// (<c>apps/{app}</c> → <c>apps/{app}-old</c>, <c>apps/{app}-restore</c> → <c>apps/{app}</c>), then move the ingress hosts
/// to the restored namespace — its ingresses re-applied with their original hosts, the old namespace's ingresses
/// removed — so traffic goes to the restored version. The old app keeps running until cleanup.
/// <para>Recoverable: a journal (<see cref="BlueGreenLayout.Journal"/>) is written before the first rename and removed
/// after the ingress step; a switch interrupted anywhere is completed by running it again. The restored copy must be
/// healthy to be switched to.</para>
/// </summary>
internal sealed class BlueGreenSwitch(IKubernetesCluster cluster, BlueGreenLayout layout, ProgressReporter progress)
{
    public async Task<RestoreSwitchResult> RunAsync(CancellationToken ct)
    {
        var app = layout.App;
        progress.Milestone(Milestones.Switch.Checking, app);
        var journal = layout.ReadJournal();
        if (journal is null)
        {
            layout.RequireCanSwitch();
            var restoreNs = layout.NamespaceOf(layout.RestoreDir);
            var hadLive = Directory.Exists(layout.LiveDir);
            var oldNs = hadLive ? layout.LiveNamespace : null;
            var health = await BlueGreenHealth.CheckAsync(cluster, restoreNs, ct).ConfigureAwait(false)
                ?? throw new ConflictException("RestoreNamespaceMissing", $"The restored copy's namespace {restoreNs} does not exist on the cluster; there is nothing to switch to. Discard it with Complete-WildRestore -DiscardRestore and restore again.") { Target = app };
            if (health.Where(h => !h.Ready).ToList() is { Count: > 0 } sick)
            {
                throw new ConflictException("RestoreNotHealthy",
                    $"The restored copy of '{app}' in {restoreNs} is not healthy: {string.Join("; ", sick.Take(5).Select(h => $"{h.Object} ({h.Status})"))}. Fix it, or discard it with Complete-WildRestore -DiscardRestore.") { Target = app };
            }
            journal = new BlueGreenLayout.Journal(restoreNs, oldNs, hadLive, BlueGreenLayout.StepRenaming);
            await layout.WriteJournalAsync(journal, ct).ConfigureAwait(false);
        }

        progress.Milestone(Milestones.Switch.SwappingDirectories, $"{BlueGreenLayout.Show(layout.RestoreDir)} → {BlueGreenLayout.Show(layout.LiveDir)}");
        if (journal.Step == BlueGreenLayout.StepRenaming)
        {
            if (journal.HadLive && Directory.Exists(layout.LiveDir) && Directory.Exists(layout.RestoreDir) && !Directory.Exists(layout.OldDir))
                Directory.Move(layout.LiveDir, layout.OldDir);
            if (Directory.Exists(layout.RestoreDir) && !Directory.Exists(layout.LiveDir))
                Directory.Move(layout.RestoreDir, layout.LiveDir);
            Restores.AtomicFile.SyncDirectory(layout.Instance.AppsPath);
            if (!Directory.Exists(layout.LiveDir) || Directory.Exists(layout.RestoreDir))
            {
                throw new ConflictException("SwitchDirectoriesUnexpected",
                    $"The app directories of '{app}' are not as a switch leaves them (apps/{app}: {Directory.Exists(layout.LiveDir)}, apps/{app}-restore: {Directory.Exists(layout.RestoreDir)}, apps/{app}-old: {Directory.Exists(layout.OldDir)}). Check them by hand, then delete {layout.JournalPath}.") { Target = app };
            }
            journal = journal with { Step = BlueGreenLayout.StepIngress };
            await layout.WriteJournalAsync(journal, ct).ConfigureAwait(false);
        }

        progress.Milestone(Milestones.Switch.SwitchingIngress, journal.RestoreNamespace);
        var ingresses = KustomizeRenderer.Render(layout.LiveDir).Where(IsIngress).ToList();
        await ManifestApplier.ApplyAsync(cluster, ingresses, progress.Verbose, progress.Warning, ct).ConfigureAwait(false);
        if (journal.OldNamespace is { } oldNamespace && oldNamespace != journal.RestoreNamespace && Directory.Exists(layout.OldDir))
        {
            foreach (var old in KustomizeRenderer.Render(layout.OldDir).Where(IsIngress))
            {
                var kind = await cluster.ResolveAsync(old.ApiVersion(), old.Kind(), ct).ConfigureAwait(false);
                progress.Verbose($"Removing {old.Describe()} from the old deployment");
                await cluster.DeleteAsync(kind, old.Namespace(), old.Name(), ct).ConfigureAwait(false);
            }
        }
        layout.DeleteJournal();
        var hosts = ingresses.SelectMany(Hosts).Distinct(StringComparer.Ordinal).ToList();
        progress.Milestone(Milestones.Switch.Complete, hosts.Count == 0 ? journal.RestoreNamespace : string.Join(", ", hosts));
        return new RestoreSwitchResult
        {
            Instance = layout.Instance.Name,
            App = app,
            Namespace = journal.RestoreNamespace,
            OldNamespace = journal.HadLive ? journal.OldNamespace : null,
            Directory = layout.LiveDir,
            OldDirectory = Directory.Exists(layout.OldDir) ? layout.OldDir : null,
            Hosts = hosts,
        };
    }

    private static bool IsIngress(JsonObject o) => o.Kind() == "Ingress" || (o.Kind() == "IngressRoute" && o.ApiVersion().StartsWith("traefik.", StringComparison.Ordinal));

    private static IEnumerable<string> Hosts(JsonObject o) =>
        (o.Arr("spec", "rules") ?? []).Select(r => r.Str("host")).OfType<string>().Where(h => h.Length > 0);
}
