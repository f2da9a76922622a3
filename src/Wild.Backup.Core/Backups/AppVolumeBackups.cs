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
/// and only the latest is kept — once the new backup is published, the Longhorn Backups (and their snapshots) of the
/// previous one are deleted; when the new backup fails, the Longhorn Backups it made are deleted instead.
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
            };
        }
        var deployed = await NamespaceExistsAsync(cluster, app.Namespace, ct).ConfigureAwait(false);
        var claims = deployed ? await LonghornClaims.FindAsync(cluster, app.Namespace, s => progress.Warning($"Not backed up: {s}."), ct).ConfigureAwait(false) : [];
        if (!deployed) progress.Verbose($"Namespace {app.Namespace} does not exist on the cluster: app '{app.Name}' is not deployed.");
        if (claims.Count > 0) await LonghornApi.RequireAsync(cluster, ct).ConfigureAwait(false);
        var plan = new Plan { Labels = labels, Previous = previous };
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
                var backups = new LonghornBackups(cluster, OperationManager.StepLimit(options.VolumeBackupStallTimeout, size), options.ClusterPollInterval);
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

    /// <summary>After the new backup was published: deletes the previous backup's Longhorn Backups (and snapshots) the new
    /// one does not use, and leftovers of failed runs carrying this instance/app/destination's labels. Problems are warnings:
    /// the backup itself is complete.</summary>
    public async Task PruneAsync(Plan plan, BackupRecord published, ProgressReporter progress, CancellationToken ct)
    {
        if (_session is null) return;
        var (cluster, _) = await _session.ConfigureAwait(false);
        if (cluster is null) return; // carried over: the previous Longhorn backups are still the ones recorded
        var keep = published.Volumes.Select(v => v.LonghornBackup).ToHashSet(StringComparer.Ordinal);
        var keepSnapshots = published.Volumes.Select(v => v.SnapshotName).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var doomed = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var v in plan.Previous?.Volumes ?? [])
        {
            if (!keep.Contains(v.LonghornBackup)) doomed[v.LonghornBackup] = keepSnapshots.Contains(v.SnapshotName ?? "") ? null : v.SnapshotName;
        }
        var backups = new LonghornBackups(cluster, options.VolumeBackupStallTimeout, options.ClusterPollInterval);
        if (plan.Exports.Count > 0 || doomed.Count > 0)
        {
            try
            {
                foreach (var b in await backups.ListAsync(plan.Labels, ct).ConfigureAwait(false))
                {
                    if (keep.Contains(b.Name()) || b.Str("status", "state") is not ("Completed" or "Error")) continue;
                    var snapshot = b.Str("spec", "snapshotName");
                    doomed.TryAdd(b.Name(), snapshot is not null && keepSnapshots.Contains(snapshot) ? null : snapshot);
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
        foreach (var (backup, snapshot) in doomed)
        {
            try
            {
                await backups.DeleteAsync(backup, snapshot, ct).ConfigureAwait(false);
                progress.Verbose($"Deleted the previous Longhorn backup {backup}");
            }
            catch (WildBackupException ex)
            {
                progress.Warning($"Could not delete the previous Longhorn backup {backup}: {ex.Message} It stays in the backup store; the next backup tries again.");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return; // the new backup is complete; what is left is pruned by the next one
            }
        }
    }

    /// <summary>After the backup failed or was cancelled: deletes the Longhorn Backups it made (they are recorded nowhere).</summary>
    public async Task DiscardAsync(Plan plan, ProgressReporter progress)
    {
        if (_session is null || plan.Made.Count == 0) return;
        var (cluster, _) = await _session.ConfigureAwait(false);
        if (cluster is null) return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var backups = new LonghornBackups(cluster, options.VolumeBackupStallTimeout, options.ClusterPollInterval);
        List<BackupVolumeRecord> made;
        lock (plan.Made) made = plan.Made.ToList();
        foreach (var v in made)
        {
            try
            {
                await backups.DeleteAsync(v.LonghornBackup, v.SnapshotName, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WildBackupException or OperationCanceledException)
            {
                progress.Warning($"Could not delete Longhorn backup {v.LonghornBackup} of the failed backup: {ex.Message}");
            }
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
