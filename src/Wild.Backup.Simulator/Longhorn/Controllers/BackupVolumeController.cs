using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's BackupVolume controller: when asked (<c>spec.syncRequestedAt</c>, or never synced) and the target is
/// available, it creates a Backup for every completed backup in the store that the cluster lacks (so a new cluster pointed
/// at an old target sees its backups) and copies volume.cfg into <c>status</c> (<c>lastBackupName</c>, <c>lastBackupAt</c>,
/// <c>size</c>, <c>labels</c>, …). It never deletes anything because a listing came back short.
/// </summary>
internal sealed class BackupVolumeController(LonghornContext lh) : LonghornController(lh, "longhorn-backup-volume")
{
    protected override IEnumerable<GroupResource?> Watches => [LonghornKube.BackupVolumes.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e) => [Self(e)];

    protected override async Task ReconcileAsync(ObjectRef key, CancellationToken ct)
    {
        var bv = Get(LonghornKube.BackupVolumes, key.Name);
        if (bv is null || IsDeleting(bv)) return;
        var targetName = bv.Str("spec", "backupTargetName") ?? "";
        var volumeName = bv.Str("spec", "volumeName") ?? "";
        if (!Lh.Store.IsTargetAvailable(targetName)) return;
        var synced = JsonTools.ParseTimestamp(bv.Str("status", "lastSyncedAt"));
        var requested = JsonTools.ParseTimestamp(bv.Str("spec", "syncRequestedAt"));
        if (synced is { } s && !(requested >= s)) return;

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
        foreach (var backup in backups.Where(b => Get(LonghornKube.Backups, b.BackupName()) is null))
        {
            try
            {
                Create(LonghornKube.Backups, PulledBackup(backup, targetName, volumeName));
            }
            catch (KubeApiException e) when (e.Code == 409)
            {
            }
            catch (KubeApiException e)
            {
                Log.LogWarning("creating Backup {Backup} found in {Target} failed: {Error}", backup.BackupName(), targetName, e.Message);
            }
        }
        var status = JsonSerializer.SerializeToNode(info.Status, JsonTools.Options)!.AsObject();
        status["ownerID"] = Lh.NodeName;
        status["lastSyncedAt"] = Now;
        WriteStatus(LonghornKube.BackupVolumes, bv, status);
    }

    /// <summary>A Backup for a backup found in the store, as the BackupVolume controller creates it (no snapshot name: the store is its truth).</summary>
    private static JsonObject PulledBackup(Longhorn.Api.BackupStatus backup, string targetName, string volumeName)
    {
        var specLabels = new JsonObject();
        if (backup.Labels?.TryGetValue(LonghornKube.LabelVolumeAccessMode, out var mode) == true) specLabels[LonghornKube.LabelVolumeAccessMode] = mode;
        return new JsonObject
        {
            ["kind"] = "Backup",
            ["metadata"] = new JsonObject
            {
                ["name"] = backup.BackupName(),
                ["labels"] = new JsonObject { [LonghornKube.LabelBackupTarget] = targetName, [LonghornKube.LabelBackupVolume] = volumeName },
            },
            ["spec"] = new JsonObject { ["labels"] = specLabels, ["backupBlockSize"] = backup.BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
    }
}

internal static class BackupStatusNames
{
    /// <summary>The backup's name, from its URL (<c>…?backup=&lt;name&gt;&amp;volume=…</c>).</summary>
    public static string BackupName(this Longhorn.Api.BackupStatus status) =>
        Core.Longhorn.BlockStore.BackupUrl.Decode(status.Url).BackupName ?? throw new InvalidOperationException($"backup URL {status.Url} names no backup");
}
