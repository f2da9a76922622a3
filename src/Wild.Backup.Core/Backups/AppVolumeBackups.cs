using System.Security.Cryptography;
using System.Text;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// The Kubernetes side of app backups, for one backup run: each app's Longhorn-backed claims are backed up by Longhorn
/// (<see cref="LonghornBackups"/>) while its files are exported, recorded in backup.json (<see cref="BackupVolumeRecord"/>),
/// and only the latest is kept — verified, never assumed (<see cref="LonghornDeletions"/>). The new backup.json lists the
/// Longhorn Backups it supersedes (the previous backup's, and older ones still not confirmed gone) as
/// <see cref="BackupRecord.PendingDeletions"/>; once it is published they are deleted — only while their target is
/// available — and each one whose deletion is not confirmed by a sync stays pending: the next run (and
/// <c>Test-WildBackup</c>) retries it before anything else and drops it from its own record once confirmed. When the new
/// backup fails, the Longhorn Backups it made are deleted instead.
/// <para>Without a cluster (no kubeconfig, or it cannot be reached): the backup is taken of the configuration, with a
/// warning, and the previous backup's volume entries are carried over (marked <see cref="BackupVolumeRecord.CarriedOver"/>)
/// so a backup taken while the cluster is down still restores the last data instead of silently dropping it; nothing
/// is deleted from Longhorn. Likewise a claim of the previous backup that is gone now (or the whole namespace) keeps its
/// last volume backup.</para>
/// <para>Deletions are by the names recorded in backup.json, plus leftovers of earlier failed runs found by this
/// instance/app/destination's labels — never on a failed listing.</para>
/// </summary>
internal sealed class AppVolumeBackups(WildInstance instance, string destination, EngineOptions options, Func<WildInstance, IKubernetesCluster> open) : IAsyncDisposable
{
    private Task<(IKubernetesCluster? Cluster, string? Problem)>? _session;

    /// <summary>One app's volumes in this run: what to export, and what was made (for cleanup).</summary>
    public sealed class Plan
    {
        public IReadOnlyList<VolumeExport> Exports { get; set; } = [];
        public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
        public BackupRecord? Previous { get; init; }
        public List<BackupVolumeRecord> Made { get; } = [];
        /// <summary>Deletions of earlier runs still not confirmed (retried when this run was planned): carried into the new record.</summary>
        public IReadOnlyList<PendingLonghornDeletion> Carried { get; set; } = [];
    }

    /// <summary>A label value identifying the destination, so two destinations of one instance never prune each other's volumes.</summary>
    public string DestinationLabel { get; } = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(destination))).ToLowerInvariant()[..16];

    private Task<(IKubernetesCluster? Cluster, string? Problem)> SessionAsync() => _session ??= OpenAsync();

    private async Task<(IKubernetesCluster?, string?)> OpenAsync()
    {
        IKubernetesCluster cluster;
        try
        {
            cluster = open(instance);
        }
        catch (WildBackupException ex)
        {
            return (null, ex.Message);
        }
        using var probe = new CancellationTokenSource(options.ClusterProbeTimeout);
        try
        {
            await cluster.ProbeAsync(probe.Token).ConfigureAwait(false);
            return (cluster, null);
        }
        catch (Exception ex) when (ex is WildBackupException or OperationCanceledException)
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            return (null, ex is WildBackupException w ? w.Message : $"Cannot reach the cluster: no answer within {options.ClusterProbeTimeout.TotalSeconds:0} s.");
        }
    }

    /// <summary>What to back up for <paramref name="app"/> ("Creating snapshot"): its Longhorn claims, or, without a
    /// cluster, the previous backup's entries carried over.</summary>
    public async Task<Plan> PlanAsync(WildApp app, BackupRecord? previous, ProgressReporter progress, CancellationToken ct)
    {
        var labels = new Dictionary<string, string>
        {
            [LonghornApi.LabelInstance] = instance.Name,
            [LonghornApi.LabelApp] = app.Name,
            [LonghornApi.LabelDestination] = DestinationLabel,
        };
        var (cluster, problem) = await SessionAsync().WaitAsync(ct).ConfigureAwait(false);
        if (cluster is null)
        {
            var carried = previous?.Volumes ?? [];
            progress.Warning(carried.Count == 0
                ? $"Volumes not backed up (configuration only): {problem}"
                : $"Volumes not backed up: {problem} The previous backup's {carried.Count} volume backups (of {carried.Max(v => v.BackedUpAt):u}) are kept and recorded again.");
            return new Plan
            {
                Labels = labels,
                Previous = previous,
                Exports = carried.Select(v => new VolumeExport(v.Pvc, 0, (_, _) => Task.FromResult(v with { CarriedOver = true }))).ToList(),
                Carried = previous?.PendingDeletions ?? [],
            };
        }
        var deployed = await NamespaceExistsAsync(cluster, app.Namespace, ct).ConfigureAwait(false);
        var claims = deployed ? await LonghornClaims.FindAsync(cluster, app.Namespace, s => progress.Warning($"Not backed up: {s}."), ct).ConfigureAwait(false) : [];
        if (!deployed) progress.Verbose($"Namespace {app.Namespace} does not exist on the cluster: app '{app.Name}' is not deployed.");
        if (claims.Count > 0) await LonghornApi.RequireAsync(cluster, ct).ConfigureAwait(false);
        var plan = new Plan { Labels = labels, Previous = previous };
        plan.Carried = await RetryPendingAsync(cluster, previous, progress, ct).ConfigureAwait(false);
        var exports = new List<VolumeExport>();
        // A claim the previous backup holds that is gone now (deleted, or the whole namespace lost — the very case a
        // backup is for) keeps its last volume backup: never drop data because a listing came back short.
        foreach (var gone in (previous?.Volumes ?? []).Where(v => claims.All(c => c.Name != v.Pvc)))
        {
            progress.Warning($"Claim {gone.Pvc} is not in namespace {app.Namespace} any more; its last volume backup (of {gone.BackedUpAt:u}) is kept and recorded again.");
            exports.Add(new VolumeExport(gone.Pvc, 0, (_, _) => Task.FromResult(gone with { CarriedOver = true })));
        }
        foreach (var claim in claims)
        {
            var size = await VolumeSizeAsync(cluster, claim, ct).ConfigureAwait(false);
            exports.Add(new VolumeExport(claim.Name, size, async (advanced, t) =>
            {
                var claimLabels = new Dictionary<string, string>(labels) { [LonghornApi.LabelClaim] = LonghornApi.LabelValue(claim.Name) };
                var backups = new LonghornBackups(cluster, OperationManager.StepLimit(options.VolumeBackupStallTimeout, size), options.ClusterPollInterval, options.VolumeDeletionTimeout);
                long reported = 0;
                var record = await backups.BackupAsync(claim, claimLabels, (done, _) =>
                {
                    if (done > reported)
                    {
                        advanced(done - reported);
                        reported = done;
                    }
                }, s => progress.Verbose($"{claim.Name}: {s}"), t).ConfigureAwait(false);
                lock (plan.Made) plan.Made.Add(record);
                return record;
            }));
        }
        plan.Exports = exports;
        return plan;
    }

    /// <summary>What the new backup.json lists as pending deletions: the earlier runs' still unconfirmed ones, and the previous
    /// backup's Longhorn Backups the new one does not keep (none when the volumes were carried over).</summary>
    public static IReadOnlyList<PendingLonghornDeletion> PendingDeletions(Plan plan, IReadOnlyList<BackupVolumeRecord> kept)
    {
        var keep = kept.Select(v => v.LonghornBackup).ToHashSet(StringComparer.Ordinal);
        var superseded = (plan.Previous?.Volumes ?? []).Where(v => !keep.Contains(v.LonghornBackup)).Select(ToPending);
        return plan.Carried.Concat(superseded).Where(p => !keep.Contains(p.LonghornBackup))
            .DistinctBy(p => p.LonghornBackup, StringComparer.Ordinal).ToList();
    }

    /// <summary>A recorded volume backup as a deletion to make.</summary>
    public static PendingLonghornDeletion ToPending(BackupVolumeRecord v) => new()
    {
        LonghornBackup = v.LonghornBackup,
        Pvc = v.Pvc,
        VolumeName = v.VolumeName,
        BackupUrl = v.BackupUrl,
        BackupTargetName = v.BackupTargetName,
        SnapshotName = v.SnapshotName,
    };

    /// <summary>When the run is planned: the previous record's pending deletions are retried (they are superseded by the
    /// live backup, so nothing the live backup needs is touched); those still not confirmed are returned.</summary>
    private async Task<IReadOnlyList<PendingLonghornDeletion>> RetryPendingAsync(IKubernetesCluster cluster, BackupRecord? previous, ProgressReporter progress, CancellationToken ct)
    {
        var live = (previous?.Volumes ?? []).Select(v => v.LonghornBackup).ToHashSet(StringComparer.Ordinal);
        var pending = (previous?.PendingDeletions ?? []).Where(p => !live.Contains(p.LonghornBackup)).ToList();
        if (pending.Count == 0) return [];
        var keepSnapshots = (previous?.Volumes ?? []).Select(v => v.SnapshotName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var results = await Deletions(cluster).DeleteAsync(pending, keepSnapshots, ct).ConfigureAwait(false);
        Report(results, progress, "an earlier");
        return results.Where(r => !r.Confirmed).Select(r => r.Item).ToList();
    }

    /// <summary>After the new backup was published: deletes what it lists as pending (the previous backup's Longhorn Backups
    /// it does not use, and earlier ones not yet gone), and leftovers of failed runs carrying this instance/app/destination's
    /// labels. Each deletion is confirmed or reported as pending (a warning); the backup itself is complete either way.</summary>
    public async Task PruneAsync(Plan plan, BackupRecord published, ProgressReporter progress, CancellationToken ct)
    {
        if (_session is null) return;
        var (cluster, _) = await _session.ConfigureAwait(false);
        if (cluster is null) return; // carried over: the previous Longhorn backups are still the ones recorded
        var keep = published.Volumes.Select(v => v.LonghornBackup).ToHashSet(StringComparer.Ordinal);
        var keepSnapshots = published.Volumes.Select(v => v.SnapshotName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var doomed = published.PendingDeletions.ToDictionary(p => p.LonghornBackup, StringComparer.Ordinal);
        if (plan.Exports.Count > 0 || doomed.Count > 0)
        {
            try
            {
                var backups = new LonghornBackups(cluster, options.VolumeBackupStallTimeout, options.ClusterPollInterval);
                foreach (var b in await backups.ListAsync(plan.Labels, ct).ConfigureAwait(false))
                {
                    if (keep.Contains(b.Name()) || doomed.ContainsKey(b.Name()) || b.Str("status", "state") is not ("Completed" or "Error")) continue;
                    doomed[b.Name()] = new PendingLonghornDeletion
                    {
                        LonghornBackup = b.Name(),
                        Pvc = b.Str("metadata", "labels", LonghornApi.LabelClaim) ?? "",
                        VolumeName = b.Str("metadata", "labels", LonghornApi.LabelBackupVolume) ?? b.Str("status", "volumeName") ?? "",
                        BackupUrl = b.Str("status", "url"),
                        BackupTargetName = b.Str("metadata", "labels", LonghornApi.LabelBackupTarget),
                        SnapshotName = b.Str("spec", "snapshotName"),
                    };
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (WildBackupException ex)
            {
                progress.Verbose($"Could not list earlier Longhorn backups ({ex.Message}); leftovers stay until the next backup.");
            }
        }
        try
        {
            Report(await Deletions(cluster).DeleteAsync(doomed.Values.Where(d => d.VolumeName.Length > 0).ToList(), keepSnapshots, ct).ConfigureAwait(false), progress, "the previous");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The new backup is complete; what is left stays pending in its backup.json for the next run.
        }
    }

    /// <summary>After the backup failed or was cancelled: deletes the Longhorn Backups it made (they are recorded nowhere;
    /// one that cannot be deleted now keeps its labels, so the next run finds it as a leftover).</summary>
    public async Task DiscardAsync(Plan plan, ProgressReporter progress)
    {
        if (_session is null || plan.Made.Count == 0) return;
        var (cluster, _) = await _session.ConfigureAwait(false);
        if (cluster is null) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        List<BackupVolumeRecord> made;
        lock (plan.Made) made = plan.Made.ToList();
        try
        {
            foreach (var r in await Deletions(cluster).DeleteAsync(made.Select(ToPending).ToList(), new HashSet<string>(), timeout.Token).ConfigureAwait(false))
            {
                if (!r.Confirmed) progress.Warning($"Could not delete Longhorn backup {r.Item.LonghornBackup} of the failed backup: {r.Reason}. The next backup deletes it.");
            }
        }
        catch (OperationCanceledException)
        {
            progress.Warning("Could not delete the Longhorn backups of the failed backup in time; the next backup deletes them.");
        }
    }

    private LonghornDeletions Deletions(IKubernetesCluster cluster) => new(cluster, options.VolumeDeletionTimeout, options.ClusterPollInterval);

    /// <summary>Confirmed deletions are verbose; pending ones are warnings naming the backup, its claim and Longhorn's reason.</summary>
    public static void Report(IEnumerable<LonghornDeletionResult> results, ProgressReporter progress, string which)
    {
        foreach (var r in results)
        {
            if (r.Confirmed) progress.Verbose($"Deleted {which} Longhorn backup {r.Item.LonghornBackup} of claim {r.Item.Pvc}");
            else progress.Warning($"{char.ToUpperInvariant(which[0]) + which[1..]} Longhorn backup {r.Item.LonghornBackup} of claim {r.Item.Pvc} is not deleted yet: {r.Reason}. It stays in Longhorn's backup store, listed as pending in backup.json; the next backup (or Test-WildBackup) tries again.");
        }
    }

    private static async Task<long> VolumeSizeAsync(IKubernetesCluster cluster, LonghornClaim claim, CancellationToken ct)
    {
        var volume = await cluster.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, claim.VolumeName, ct).ConfigureAwait(false);
        return long.TryParse(volume.Str("spec", "size"), out var size) ? size : 0;
    }

    private static async Task<bool> NamespaceExistsAsync(IKubernetesCluster cluster, string ns, CancellationToken ct) =>
        await cluster.GetAsync(ResourceKind.Namespace, null, ns, ct).ConfigureAwait(false) is not null;

    public async ValueTask DisposeAsync()
    {
        if (_session is { IsCompletedSuccessfully: true } s && s.Result.Cluster is { } c) await c.DisposeAsync().ConfigureAwait(false);
    }
}
