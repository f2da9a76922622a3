using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>What became of one Longhorn backup the product deleted: gone (confirmed by a sync of its target), or still
/// pending with Longhorn's reason.</summary>
public sealed record LonghornDeletionResult(PendingLonghornDeletion Item, bool Confirmed, string? Reason);

/// <summary>
/// Deleting Longhorn backups the product no longer needs, verified rather than assumed. Longhorn deletes a Backup's data
/// only while its target is available — otherwise only the object goes, and the next sync brings it back without the
/// product's labels (controller/utils.go checkIfRemoteDataCleanupIsNeeded; backup_volume_controller.go) — and from 1.8
/// asynchronously (state Deleting, a failure as Error with <c>status.messages</c>; backup_controller.go
/// handleBackupDeletionInBackupStore). So a backup is deleted only while its target is available, waited on until its
/// object is gone, and counted as deleted only when a sync of its target that Longhorn ran after that (target and
/// backup volume <c>lastSyncedAt</c> moved on, Longhorn's clock) did not bring it back. Everything else stays pending with
/// the reason, for the next run. Nothing here acts on a listing.
/// </summary>
public sealed class LonghornDeletions(IKubernetesCluster cluster, TimeSpan timeout, TimeSpan pollInterval)
{
    /// <summary>The field manager of the sync requests the product makes.</summary>
    public const string FieldManager = "wildbackup";

    private static readonly TimeSpan RequestAgain = TimeSpan.FromSeconds(5);

    /// <summary>Deletes <paramref name="items"/> (concurrently) and reports each; their snapshots go too unless in
    /// <paramref name="keepSnapshots"/>. Never throws for one backup's failure; cancellation is passed on.</summary>
    public async Task<IReadOnlyList<LonghornDeletionResult>> DeleteAsync(IReadOnlyCollection<PendingLonghornDeletion> items, IReadOnlySet<string> keepSnapshots, CancellationToken ct)
    {
        if (items.Count == 0) return [];
        return await Task.WhenAll(items.Select(i => DeleteOneAsync(i, keepSnapshots, ct))).ConfigureAwait(false);
    }

    private async Task<LonghornDeletionResult> DeleteOneAsync(PendingLonghornDeletion item, IReadOnlySet<string> keepSnapshots, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var t = deadline.Token;
        try
        {
            while (true)
            {
                var target = await LonghornTargets.FindAsync(cluster, item.BackupUrl, item.BackupTargetName, t).ConfigureAwait(false);
                if (!LonghornTargets.IsAvailable(target))
                    return Pending(item, $"{LonghornTargets.Unavailability(target)}; deleting now would remove only the Backup object and keep its data");
                var backup = await cluster.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, item.LonghornBackup, t).ConfigureAwait(false);
                if (backup is not null)
                {
                    if (backup.Str("metadata", "deletionTimestamp") is null)
                    {
                        await cluster.DeleteAsync(LonghornApi.Backups, LonghornApi.Namespace, item.LonghornBackup, t).ConfigureAwait(false);
                    }
                    else if (backup.Str("status", "state") == "Error" && backup.Str("status", "messages", "error") is { Length: > 0 } error)
                    {
                        return Pending(item, $"Longhorn could not delete it from its backup store: {error}");
                    }
                    await Task.Delay(pollInterval, t).ConfigureAwait(false);
                    continue;
                }
                if (await GoneAfterSyncAsync(item, target, t).ConfigureAwait(false))
                {
                    if (item.SnapshotName is { Length: > 0 } snapshot && !keepSnapshots.Contains(snapshot))
                        await DeleteSnapshotQuietlyAsync(snapshot, t).ConfigureAwait(false);
                    return new LonghornDeletionResult(item, true, null);
                }
                // The sync brought it back: its data was still in the store. Delete it again while the target is available.
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Pending(item, $"Longhorn did not finish deleting it within {timeout.TotalSeconds:0} s");
        }
        catch (WildBackupException ex)
        {
            return Pending(item, ex.Message);
        }
    }

    /// <summary>Asks the target to sync and waits until Longhorn has synced it and the volume's backup volume since; true when
    /// the Backup did not come back. Requested again while Longhorn has not synced (item 4: strictly after, its clock).</summary>
    private async Task<bool> GoneAfterSyncAsync(PendingLonghornDeletion item, JsonObject target, CancellationToken ct)
    {
        var targetBefore = LonghornTargets.LastSyncedAt(target);
        var volumeBefore = LonghornTargets.LastSyncedAt(await LonghornTargets.BackupVolumeAsync(cluster, target.Name(), item.VolumeName, ct).ConfigureAwait(false));
        await LonghornTargets.RequestSyncAsync(cluster, target, FieldManager, ct).ConfigureAwait(false);
        var since = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(pollInterval, ct).ConfigureAwait(false);
            var now = await cluster.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, target.Name(), ct).ConfigureAwait(false)
                ?? throw new NotFoundException("LonghornNoBackupTarget", $"Longhorn's backup target {target.Name()} was deleted.");
            if (!LonghornTargets.IsAvailable(now)) throw new LonghornException(WildErrorKind.Unreachable, "LonghornTargetUnavailable", LonghornTargets.Unavailability(now));
            var synced = LonghornTargets.LastSyncedAt(now);
            if (!After(synced, targetBefore))
            {
                if (since.Elapsed > RequestAgain)
                {
                    await LonghornTargets.RequestSyncAsync(cluster, now, FieldManager, ct).ConfigureAwait(false);
                    since.Restart();
                }
                continue;
            }
            var backupVolume = await LonghornTargets.BackupVolumeAsync(cluster, target.Name(), item.VolumeName, ct).ConfigureAwait(false);
            if (backupVolume is not null && !After(LonghornTargets.LastSyncedAt(backupVolume), volumeBefore)) continue;
            return await cluster.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, item.LonghornBackup, ct).ConfigureAwait(false) is null;
        }
    }

    /// <summary>A sync time later than <paramref name="before"/> (any sync when there was none before).</summary>
    private static bool After(DateTimeOffset? time, DateTimeOffset? before) => time is { } t && (before is null || t > before.Value);

    private async Task DeleteSnapshotQuietlyAsync(string snapshot, CancellationToken ct)
    {
        try
        {
            await cluster.DeleteAsync(LonghornApi.Snapshots, LonghornApi.Namespace, snapshot, ct).ConfigureAwait(false);
        }
        catch (WildBackupException)
        {
            // A snapshot left behind costs space on the volume, not data; the volume's next deletion takes it along.
        }
    }

    private static LonghornDeletionResult Pending(PendingLonghornDeletion item, string reason) => new(item, false, reason);
}
