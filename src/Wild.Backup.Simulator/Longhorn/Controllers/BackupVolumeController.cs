using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's BackupVolume controller (controller/backup_volume_controller.go). When asked
/// (<c>spec.syncRequestedAt</c> strictly after <c>status.lastSyncedAt</c>, or never synced) and the target is available,
/// it lists the backups in the store, creates a Backup (labels and the access-mode spec label only: its status is filled
/// by the Backup controller's later reconcile) for every one the cluster lacks, deletes — object only, with
/// <c>longhorn.io/delete-custom-resource-only</c> — the Backups the store no longer lists (except this cluster's own
/// backups not yet Completed), and copies volume.cfg into <c>status</c>. A failed listing changes nothing. Deleting a
/// BackupVolume while its target is available (and without that label) deletes the backup volume's data — all its
/// backups — from the store before the finalizer goes.
/// </summary>
internal sealed class BackupVolumeController(LonghornContext lh) : LonghornController(lh, "longhorn-backup-volume")
{
    protected override IEnumerable<GroupResource?> Watches => [LonghornKube.BackupVolumes.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e) => [Self(e)];

    protected override async Task ReconcileAsync(ObjectRef key, CancellationToken ct)
    {
        var bv = Get(LonghornKube.BackupVolumes, key.Name);
        if (bv is null) return;
        var targetName = Lh.Store.BackupVolumeTarget(bv);
        var volumeName = Lh.Store.BackupVolumeVolume(bv);
        if (IsDeleting(bv))
        {
            await DeleteAsync(key, bv, targetName, volumeName, ct).ConfigureAwait(false);
            return;
        }
        if (!Lh.Store.IsTargetAvailable(targetName)) return;
        var synced = JsonTools.ParseTimestamp(bv.Str("status", "lastSyncedAt"));
        var requested = JsonTools.ParseTimestamp(bv.Str("spec", "syncRequestedAt"));
        if (synced is not null && !(requested > synced)) return;
        var syncTime = Clock;

        IReadOnlyList<Longhorn.Api.BackupStatus> backups;
        Longhorn.Api.BackupVolumeInfo info;
        try
        {
            backups = await Lh.Plane.ListBackupsAsync(targetName, volumeName, ct).ConfigureAwait(false);
            info = await Lh.Plane.GetBackupVolumeAsync(targetName, volumeName, ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return; // its first backup has not written volume.cfg yet; the backup's completion asks for a sync
        }
        catch (WildBackupException e)
        {
            Log.LogWarning("syncing backup volume {Volume} from {Target} failed: {Error}", volumeName, targetName, e.Message);
            return;
        }
        var inStore = backups.Select(b => b.BackupName()).ToHashSet(StringComparer.Ordinal);
        // Skip the Backups this cluster is still making (or that failed): the store is not their truth yet.
        var inCluster = Lh.Store.BackupsOf(targetName, volumeName)
            .Where(b => (b.Str("spec", "snapshotName") ?? "").Length == 0 || b.Str("status", "state") == BackupStates.Completed)
            .Select(b => b.Str("metadata", "name")!).ToHashSet(StringComparer.Ordinal);
        foreach (var backup in backups.Where(b => !inCluster.Contains(b.BackupName()) && Get(LonghornKube.Backups, b.BackupName()) is null))
        {
            try
            {
                Create(LonghornKube.Backups, PulledBackup(backup, bv, targetName, volumeName));
            }
            catch (KubeApiException e) when (e.Code == 409)
            {
            }
            catch (KubeApiException e)
            {
                Log.LogWarning("creating Backup {Backup} found in {Target} failed: {Error}", backup.BackupName(), targetName, e.Message);
            }
        }
        foreach (var gone in inCluster.Where(b => !inStore.Contains(b))) DeleteObjectOnly(LonghornKube.Backups, gone);

        if (bv.Str("status", "lastBackupName") != info.Status.LastBackupName && info.Status.LastBackupName is { Length: > 0 } last
            && Get(LonghornKube.Backups, last) is { } lastBackup && !IsDeleting(lastBackup))
        {
            try
            {
                MergePatch(LonghornKube.Backups, last, new JsonObject { ["spec"] = new JsonObject { ["syncRequestedAt"] = JsonTools.Timestamp(syncTime) } });
            }
            catch (KubeApiException e) when (e.Code is 404 or 409)
            {
            }
        }
        var status = JsonSerializer.SerializeToNode(info.Status, JsonTools.Options)!.AsObject();
        status["ownerID"] = Lh.NodeName;
        status["lastSyncedAt"] = JsonTools.Timestamp(syncTime);
        WriteStatus(LonghornKube.BackupVolumes, bv, status);
    }

    private async Task DeleteAsync(ObjectRef key, JsonObject bv, string targetName, string volumeName, CancellationToken ct)
    {
        if (bv.Arr("metadata", "finalizers")?.Any(f => f?.GetValue<string>() == LonghornKube.Finalizer) != true) return;
        var cleanUp = bv.Str("metadata", "labels", LonghornKube.LabelDeleteCustomResourceOnly) is null && Lh.Store.IsTargetAvailable(targetName);
        if (cleanUp)
        {
            try
            {
                await Lh.Plane.DeleteBackupVolumeAsync(targetName, volumeName, ct).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
            }
            catch (WildBackupException e)
            {
                Log.LogWarning("deleting backup volume {Volume} from {Target} failed: {Error}", volumeName, targetName, e.Message);
                EnqueueAfter(key, TimeSpan.FromSeconds(2));
                return;
            }
        }
        RemoveLonghornFinalizer(LonghornKube.BackupVolumes, key.Name);
    }

    /// <summary>A Backup for a backup found in the store, as the BackupVolume controller creates it: labels, owner and the
    /// access-mode spec label, no snapshot name and no status (the Backup controller fills it from the store later).</summary>
    private JsonObject PulledBackup(Longhorn.Api.BackupStatus backup, JsonObject bv, string targetName, string volumeName)
    {
        var specLabels = new JsonObject();
        if (backup.Labels?.TryGetValue(LonghornKube.LabelVolumeAccessMode, out var mode) == true) specLabels[LonghornKube.LabelVolumeAccessMode] = mode;
        var labels = new JsonObject { [LonghornKube.LabelBackupVolume] = volumeName };
        if (Lh.Version.HasBackupTargetName) labels[LonghornKube.LabelBackupTarget] = targetName;
        var spec = new JsonObject { ["labels"] = specLabels };
        if (Lh.Version.HasBackupBlockSize) spec["backupBlockSize"] = backup.BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["kind"] = "Backup",
            ["metadata"] = new JsonObject
            {
                ["name"] = backup.BackupName(),
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = LonghornKube.ApiVersion,
                    ["kind"] = "BackupVolume",
                    ["name"] = bv.Str("metadata", "name"),
                    ["uid"] = bv.Str("metadata", "uid"),
                }),
            },
            ["spec"] = spec,
        };
    }
}

internal static class BackupStatusNames
{
    /// <summary>The backup's name, from its URL (<c>…?backup=&lt;name&gt;&amp;volume=…</c>).</summary>
    public static string BackupName(this Longhorn.Api.BackupStatus status) =>
        Core.Longhorn.BlockStore.BackupUrl.Decode(status.Url).BackupName ?? throw new InvalidOperationException($"backup URL {status.Url} names no backup");
}
