using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's Backup controller. A Backup naming a snapshot is written to its target's block store by the data
/// plane, its <c>status</c> following the engine's (<c>state</c> Pending → InProgress → Completed or Error, <c>progress</c>,
/// then <c>url</c>, <c>size</c>, <c>volumeSize</c>, <c>newlyUploadDataSize</c>, <c>reUploadedDataSize</c>,
/// <c>compressionMethod</c>, <c>backupCreatedAt</c>, <c>lastSyncedAt</c>). A Backup without a snapshot (found in the
/// store by the BackupVolume controller) takes its status from the store. Deleting a Backup while its target is
/// available deletes it from the store (state Deleting; its cfg, then unreferenced blocks) and only then removes the
/// finalizer; a failed deletion shows as Error with the reason in <c>status.messages.error</c> and is retried. While the
/// target is unavailable (or with label <c>longhorn.io/delete-custom-resource-only</c>) only the object goes — as in
/// Longhorn, the data stays and the backup comes back at the next sync.
/// </summary>
internal sealed class BackupController(LonghornContext lh) : LonghornController(lh, "longhorn-backup")
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<string, BackupHandle> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _deletions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset RetryAt)> _deletionBackoff = new(StringComparer.Ordinal);

    protected override IEnumerable<GroupResource?> Watches => [LonghornKube.Backups.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e) => [Self(e)];

    protected override async Task ReconcileAsync(ObjectRef key, CancellationToken ct)
    {
        var backup = Get(LonghornKube.Backups, key.Name);
        if (backup is null) return;
        if (IsDeleting(backup))
        {
            await DeleteAsync(key, backup, ct).ConfigureAwait(false);
            return;
        }
        var state = backup.Str("status", "state") ?? "";
        var snapshotName = backup.Str("spec", "snapshotName") ?? "";
        if (snapshotName.Length > 0 && backup.Str("status", "lastSyncedAt") is null && !BackupStates.IsFinal(state))
            await RunAsync(key, backup, snapshotName, ct).ConfigureAwait(false);
        else
            await SyncFromStoreAsync(backup, ct).ConfigureAwait(false);
    }

    /// <summary>Starts the backup in the data plane (once) and mirrors its status.</summary>
    private async Task RunAsync(ObjectRef key, JsonObject backup, string snapshotName, CancellationToken ct)
    {
        var volumeName = backup.Str("metadata", "labels", LonghornKube.LabelBackupVolume) ?? "";
        var targetName = backup.Str("metadata", "labels", LonghornKube.LabelBackupTarget) ?? "";
        if (!_running.TryGetValue(key.Name, out var handle))
        {
            if (!SnapshotReady(snapshotName))
            {
                WriteStatus(LonghornKube.Backups, backup, Merge(backup, new JsonObject { ["state"] = BackupStates.Pending, ["snapshotName"] = snapshotName }));
                EnqueueAfter(key, Retry);
                return;
            }
            EnsureBackupVolume(targetName, volumeName);
            try
            {
                if (Get(LonghornKube.Volumes, volumeName) is { } volume) Lh.SyncVolumeSpec(volume, Lh.Plane.GetVolume(volumeName));
                handle = await Lh.Plane.StartBackupAsync(new BackupRequest
                {
                    BackupName = key.Name,
                    SnapshotName = snapshotName,
                    VolumeName = volumeName,
                    BackupTargetName = targetName,
                    Labels = backup.Obj("spec", "labels").StringMap(),
                    Mode = backup.Str("spec", "backupMode") == "full" ? BackupMode.Full : BackupMode.Incremental,
                }, ct).ConfigureAwait(false);
            }
            catch (WildBackupException e)
            {
                var error = e is NotFoundException ? $"cannot find the corresponding volume: {e.Message}" : e.Detail is null ? e.Message : $"{e.Message}: {e.Detail}";
                WriteStatus(LonghornKube.Backups, backup, Merge(backup, new JsonObject
                {
                    ["state"] = BackupStates.Error, ["error"] = error, ["lastSyncedAt"] = Now, ["ownerID"] = Lh.NodeName,
                }));
                Rt.Events.Record(backup, "Warning", "Error", $"Failed to start backup {key.Name}: {error}", LonghornKube.Manager);
                return;
            }
            _running[key.Name] = handle;
            handle.Operation.StatusChanged += _ => Enqueue(key);
        }

        var status = handle.Operation.Status;
        var next = JsonSerializer.SerializeToNode(status, JsonTools.Options)!.AsObject();
        next["ownerID"] = Lh.NodeName;
        next["messages"] ??= new JsonObject();
        next["labels"] ??= backup.Obj("spec", "labels")?.DeepClone();
        if (status.IsFinal) next["lastSyncedAt"] = Now;
        else next.Remove("lastSyncedAt");
        WriteStatus(LonghornKube.Backups, backup, next);
        if (!status.IsFinal) return;
        _running.TryRemove(key.Name, out _);
        if (status.State == BackupStates.Completed) RequestBackupVolumeSync(targetName, volumeName);
        else Rt.Events.Record(backup, "Warning", status.State, $"Backup {key.Name} failed: {status.Error}", LonghornKube.Manager);
    }

    /// <summary>A backup that exists in the store: its status comes from its cfg when never synced or when a sync is requested.</summary>
    private async Task SyncFromStoreAsync(JsonObject backup, CancellationToken ct)
    {
        var synced = JsonTools.ParseTimestamp(backup.Str("status", "lastSyncedAt"));
        var requested = JsonTools.ParseTimestamp(backup.Str("spec", "syncRequestedAt"));
        if (synced is { } s && !(requested >= s)) return;
        if ((backup.Str("status", "state") ?? "") is BackupStates.Error or BackupStates.Unknown) return;
        var volumeName = backup.Str("metadata", "labels", LonghornKube.LabelBackupVolume) ?? "";
        var targetName = backup.Str("metadata", "labels", LonghornKube.LabelBackupTarget) ?? "";
        if (!Lh.Store.IsTargetAvailable(targetName)) return;
        BackupStatus? found;
        try
        {
            found = (await Lh.Plane.ListBackupsAsync(targetName, volumeName, ct).ConfigureAwait(false)).FirstOrDefault(b => b.BackupName() == backup.Str("metadata", "name"));
        }
        catch (WildBackupException)
        {
            return; // an unreadable store changes nothing; the next sync tries again
        }
        if (found is null) return;
        var status = JsonSerializer.SerializeToNode(found, JsonTools.Options)!.AsObject();
        status["ownerID"] = Lh.NodeName;
        status["lastSyncedAt"] = Now;
        WriteStatus(LonghornKube.Backups, backup, status);
    }

    private async Task DeleteAsync(ObjectRef key, JsonObject backup, CancellationToken ct)
    {
        if (backup.Arr("metadata", "finalizers")?.Any(f => f?.GetValue<string>() == LonghornKube.Finalizer) != true) return;
        var name = key.Name;
        var volumeName = backup.Str("metadata", "labels", LonghornKube.LabelBackupVolume) ?? "";
        var targetName = backup.Str("metadata", "labels", LonghornKube.LabelBackupTarget) ?? "";
        var state = backup.Str("status", "state") ?? "";
        var cleanUp = backup.Str("metadata", "labels", LonghornKube.LabelDeleteCustomResourceOnly) is null
                      && volumeName.Length > 0 && Lh.Store.IsTargetAvailable(targetName);
        if (cleanUp)
        {
            if (BeingRestored(name))
            {
                EnqueueAfter(key, TimeSpan.FromSeconds(1));
                return;
            }
            if (!await DeletedFromStoreAsync(key, backup, volumeName, targetName, ct).ConfigureAwait(false)) return;
        }
        else if (_running.TryGetValue(name, out var handle))
        {
            handle.Operation.Cancel();
            await handle.Operation.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }
        RequestBackupVolumeSync(targetName, volumeName);
        if (state is BackupStates.Error or BackupStates.Unknown)
            Rt.Events.Record(backup, "Warning", state, $"Failed backup {name} has been deleted: {backup.Str("status", "error")}", LonghornKube.Manager);
        _running.TryRemove(name, out _);
        _deletionBackoff.TryRemove(name, out _);
        RemoveLonghornFinalizer(LonghornKube.Backups, name);
    }

    /// <summary>
    /// Runs the store deletion in the background (state Deleting) and reports true once it has succeeded. A failure puts
    /// the Backup in Error with Longhorn's message and schedules another attempt with a growing pause.
    /// </summary>
    private async Task<bool> DeletedFromStoreAsync(ObjectRef key, JsonObject backup, string volumeName, string targetName, CancellationToken ct)
    {
        var name = key.Name;
        if (_deletions.TryGetValue(name, out var running))
        {
            if (!running.IsCompleted) return false;
            _deletions.TryRemove(name, out _);
            try
            {
                await running.ConfigureAwait(false);
                return true;
            }
            catch (NotFoundException e) when (e.ErrorId != "LonghornBackupTargetNotFound")
            {
                return true; // not in the store (an unfinished or never-written backup): nothing to delete
            }
            catch (Exception e)
            {
                var failures = (_deletionBackoff.TryGetValue(name, out var b) ? b.Failures : 0) + 1;
                var pause = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures - 1)));
                _deletionBackoff[name] = (failures, Rt.Now + pause);
                var url = BackupUrl.Encode(Lh.Plane.GetBackupTargetLocation(targetName)?.Url ?? "", volumeName, name);
                var message = e is WildBackupException w && w.Detail is not null ? $"{w.Message}: {w.Detail}" : e.Message;
                WriteStatus(LonghornKube.Backups, backup, Merge(backup, new JsonObject
                {
                    ["state"] = BackupStates.Error,
                    ["messages"] = new JsonObject { ["error"] = $"Failed to delete the backup {url} in the backupstore, err {message}" },
                }));
                EnqueueAfter(key, pause);
                return false;
            }
        }
        if (_deletionBackoff.TryGetValue(name, out var backoff) && backoff.RetryAt > Rt.Now)
        {
            EnqueueAfter(key, backoff.RetryAt - Rt.Now);
            return false;
        }
        // Runs in the background like longhorn-manager's deletion goroutine; it stops with the controller.
        var task = Task.Run(() => Lh.Plane.DeleteBackupAsync(name, volumeName, targetName, ct), ct);
        _deletions[name] = task;
        _ = task.ContinueWith(_ => Enqueue(key), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        WriteStatus(LonghornKube.Backups, backup, Merge(backup, new JsonObject { ["state"] = BackupStates.Deleting, ["messages"] = new JsonObject() }));
        return false;
    }

    /// <summary>True while a Volume is being restored from this backup (Longhorn defers the deletion).</summary>
    private bool BeingRestored(string backupName) =>
        Lh.Store.List(LonghornKube.Volumes, v => v.Bool("status", "restoreRequired") == true && !IsDeleting(v)
            && v.Str("spec", "fromBackup") is { Length: > 0 } url && BackupUrl.Decode(url).BackupName == backupName).Count > 0;

    private bool SnapshotReady(string snapshotName)
    {
        try
        {
            Lh.Plane.GetSnapshot(snapshotName);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private void EnsureBackupVolume(string targetName, string volumeName)
    {
        if (Lh.Store.BackupVolume(targetName, volumeName) is not null || Get(LonghornKube.BackupTargets, targetName) is not { } target) return;
        try
        {
            Create(LonghornKube.BackupVolumes, BackupTargetController.BackupVolumeObject(target, volumeName));
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
        }
    }

    private static JsonObject Merge(JsonObject backup, JsonObject changes)
    {
        var status = backup.Obj("status")?.CloneObject() ?? new JsonObject();
        foreach (var (k, v) in changes) status[k] = v?.DeepClone();
        return status;
    }
}
