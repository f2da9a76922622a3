using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
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
/// longhorn-manager's Backup controller (controller/backup_controller.go). A Backup naming a snapshot is written to its
/// target's block store by the data plane once the volume's engine runs — a detached volume is attached for it (an
/// attachment ticket; Pending with <c>messages.info</c> "Waiting for the engine … to be ready" meanwhile) — and, from v1.8,
/// once no other backup of the volume is Deleting (Pending, "Wait for backup … to be deleted"); its <c>status</c> follows
/// the engine's (<c>state</c> Pending → InProgress → Completed, Error or Unknown, <c>progress</c>, then <c>url</c>,
/// <c>size</c>, <c>volumeSize</c>, …, <c>lastSyncedAt</c>). A Backup without a snapshot (pulled from the store by the
/// BackupVolume controller) gets its status from the store on a later reconcile (<see cref="LonghornOptions.PulledBackupStatusDelay"/>
/// after it appeared), and again whenever <c>spec.syncRequestedAt</c> is strictly after <c>status.lastSyncedAt</c>.
/// Deleting a Backup while its target is available deletes it from the store: from v1.8 asynchronously (state Deleting;
/// a failure shows as Error with <c>status.messages.error</c> and is retried with a growing pause), on v1.7 within the
/// reconcile, holding the finalizer until it succeeds. While the target is unavailable (or with label
/// <c>longhorn.io/delete-custom-resource-only</c>) only the object goes — the data stays and the backup comes back,
/// without its labels, at the next sync.
/// </summary>
internal sealed class BackupController(LonghornContext lh) : LonghornController(lh, "longhorn-backup")
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<string, BackupHandle> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _deletions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset RetryAt)> _deletionBackoff = new(StringComparer.Ordinal);

    protected override IEnumerable<GroupResource?> Watches => [LonghornKube.Backups.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e) => [Self(e)];

    /// <summary>The backup controller's attachment ticket for a backup (longhorn.GetAttachmentTicketID).</summary>
    private static string Ticket(string backupName) => "backup-controller-" + backupName;

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
            await SyncFromStoreAsync(key, backup, ct).ConfigureAwait(false);
    }

    /// <summary>Starts the backup in the data plane (once its volume is attached and nothing blocks it) and mirrors its status.</summary>
    private async Task RunAsync(ObjectRef key, JsonObject backup, string snapshotName, CancellationToken ct)
    {
        var volumeName = backup.Str("metadata", "labels", LonghornKube.LabelBackupVolume) ?? "";
        var targetName = Lh.Store.BackupTarget(backup);
        if (!_running.TryGetValue(key.Name, out var handle))
        {
            if (Get(LonghornKube.Volumes, volumeName) is not { } volume)
            {
                Fail(backup, $"Cannot find the corresponding volume: {Admission.LonghornWebhooks.NotFound(LonghornKube.Volumes, volumeName)}");
                return;
            }
            // handleAttachmentTicketCreation, then checkMonitor: the engine must run, the snapshot be ready and (v1.8+)
            // no backup of the volume be Deleting.
            Lh.Attachments.Request(volumeName, Ticket(key.Name), Clock);
            var engine = LonghornKube.EngineName(volumeName);
            string? waiting = null;
            if (volume.Str("status", "state") != VolumeStates.Attached) waiting = $"Waiting for the engine {engine} to be ready";
            else if (!SnapshotReady(snapshotName)) waiting = $"Waiting for the snapshot {snapshotName} to be ready";
            else if (Lh.Version.DeletesBackupsAsynchronously
                     && Lh.Store.BackupsOf(targetName, volumeName).FirstOrDefault(b => b.Str("status", "state") == BackupStates.Deleting) is { } deleting)
                waiting = $"Wait for backup {deleting.Str("metadata", "name")} to be deleted";
            if (waiting is not null)
            {
                var messages = backup.Obj("status", "messages")?.CloneObject() ?? new JsonObject();
                messages["info"] = waiting;
                WriteStatus(LonghornKube.Backups, backup, Merge(backup, new JsonObject { ["state"] = BackupStates.Pending, ["messages"] = messages, ["ownerID"] = Lh.NodeName }));
                EnqueueAfter(key, Retry);
                return;
            }
            EnsureBackupVolume(targetName, volumeName);
            try
            {
                Lh.SyncVolumeSpec(volume, Lh.Plane.GetVolume(volumeName));
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
                Fail(backup, e is NotFoundException ? $"cannot find the corresponding volume: {e.Message}" : e.Detail is null ? e.Message : $"{e.Message}: {e.Detail}");
                Lh.Attachments.Release(volumeName, Ticket(key.Name));
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
        Lh.Attachments.Release(volumeName, Ticket(key.Name));
        if (status.State == BackupStates.Completed) RequestBackupVolumeSync(targetName, volumeName);
        else Rt.Events.Record(backup, "Warning", status.State, $"Backup {key.Name} failed: {status.Error}", LonghornKube.Manager);
    }

    private void Fail(JsonObject backup, string error)
    {
        WriteStatus(LonghornKube.Backups, backup, Merge(backup, new JsonObject
        {
            ["state"] = BackupStates.Error, ["error"] = error, ["lastSyncedAt"] = Now, ["ownerID"] = Lh.NodeName,
        }));
        Rt.Events.Record(backup, "Warning", "Error", $"Failed to start backup {backup.Str("metadata", "name")}: {error}", LonghornKube.Manager);
    }

    /// <summary>A backup that exists in the store: its status comes from its cfg when never synced or when a sync is
    /// requested (strictly after the last one). A Backup just pulled from the store waits for the controller's later
    /// reconcile; until then its status is empty.</summary>
    private async Task SyncFromStoreAsync(ObjectRef key, JsonObject backup, CancellationToken ct)
    {
        var synced = JsonTools.ParseTimestamp(backup.Str("status", "lastSyncedAt"));
        var requested = JsonTools.ParseTimestamp(backup.Str("spec", "syncRequestedAt"));
        if (synced is not null && !(requested > synced)) return;
        if ((backup.Str("status", "state") ?? "") is BackupStates.Error or BackupStates.Unknown) return;
        if (synced is null && JsonTools.ParseTimestamp(backup.Str("metadata", "creationTimestamp")) is { } created
            && Rt.Now - created < Lh.Options.PulledBackupStatusDelay)
        {
            EnqueueAfter(key, Lh.Options.PulledBackupStatusDelay - (Rt.Now - created));
            return;
        }
        var volumeName = backup.Str("metadata", "labels", LonghornKube.LabelBackupVolume) ?? "";
        var targetName = Lh.Store.BackupTarget(backup);
        if (!Lh.Store.IsTargetAvailable(targetName))
        {
            EnqueueAfter(key, TimeSpan.FromSeconds(2));
            return;
        }
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
        var targetName = Lh.Store.BackupTarget(backup);
        var state = backup.Str("status", "state") ?? "";
        // checkIfRemoteDataCleanupIsNeeded: no delete-custom-resource-only label, the target available, its BackupVolume there.
        var cleanUp = backup.Str("metadata", "labels", LonghornKube.LabelDeleteCustomResourceOnly) is null
                      && volumeName.Length > 0 && Lh.Store.IsTargetAvailable(targetName)
                      && Lh.Store.BackupVolume(targetName, volumeName) is { } bv && !IsDeleting(bv);
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
        Lh.Attachments.Release(volumeName, Ticket(name));
        RemoveLonghornFinalizer(LonghornKube.Backups, name);
    }

    /// <summary>
    /// Runs the store deletion in the background and reports true once it has succeeded. From v1.8 the Backup shows state
    /// Deleting meanwhile, and a failure puts it in Error with Longhorn's message; v1.7 deletes within its reconcile, so
    /// the object only keeps its finalizer and state until the deletion succeeds (the simulator runs it in the background
    /// too, so one slow deletion does not hold up the other Backups). Failures are retried with a growing pause.
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
                Log.LogWarning("failed to delete the backup {Url} in the backupstore: {Error}", url, message);
                if (Lh.Version.DeletesBackupsAsynchronously) WriteStatus(LonghornKube.Backups, backup, Merge(backup, new JsonObject
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
        if (Lh.Version.DeletesBackupsAsynchronously)
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
            Create(LonghornKube.BackupVolumes, BackupTargetController.BackupVolumeObject(target, volumeName, Lh.Version));
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
