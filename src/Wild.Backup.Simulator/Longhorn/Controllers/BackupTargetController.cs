using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Faults;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's BackupTarget controller (controller/backup_target_controller.go): maps each target's URL to its
/// directory and hands it to the data plane. Its poll timer sets <c>spec.syncRequestedAt</c> to Longhorn's clock every
/// <c>spec.pollInterval</c> (0: no polling); a check runs only when <c>spec.syncRequestedAt</c> is strictly after
/// <c>status.lastSyncedAt</c> (both whole seconds, Longhorn's clock — a request in the same second as the last sync, or
/// stamped by a client whose clock is behind, is ignored), or at first. It reports <c>status.available</c>, the
/// <c>Unavailable</c> condition and, only after a good check, <c>lastSyncedAt</c>; while available it creates a BackupVolume
/// for every volume in the store, deletes (object only) the BackupVolumes whose volume the store no longer has, and asks
/// each to sync. Simulator additions: a changed URL or a changed fault knob re-checks at once. Fault annotations on a
/// BackupTarget (<see cref="FaultAnnotations"/>) turn its knobs.
/// </summary>
internal sealed class BackupTargetController : LonghornController
{
    private readonly ConcurrentDictionary<string, SyncState> _state = new(StringComparer.Ordinal);

    public BackupTargetController(LonghornContext lh) : base(lh, "longhorn-backup-target")
    {
        lh.Plane.Faults.Changed += () =>
        {
            foreach (var s in _state.Values) s.Forced = true;
            foreach (var t in Lh.Store.List(LonghornKube.BackupTargets)) Enqueue(Key(LonghornKube.BackupTargets, t.Str("metadata", "name")!));
        };
    }

    private sealed class SyncState
    {
        public DateTimeOffset? LastPoll;
        public string? Url;
        public volatile bool Forced;
        public string? Unavailable;
        public string? Throughput;
    }

    protected override IEnumerable<GroupResource?> Watches => [LonghornKube.BackupTargets.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e) => [Self(e)];

    protected override async Task ReconcileAsync(ObjectRef key, CancellationToken ct)
    {
        var name = key.Name;
        var target = Get(LonghornKube.BackupTargets, name);
        if (target is null || IsDeleting(target))
        {
            Lh.Plane.RemoveBackupTarget(name);
            _state.TryRemove(name, out _);
            return;
        }
        var state = _state.GetOrAdd(name, _ => new SyncState());
        ApplyFaultAnnotations(name, target, state);

        var url = target.Str("spec", "backupTargetURL") ?? "";
        var interval = GoDuration.TryParse(target.Str("spec", "pollInterval"), out var i) ? i : TimeSpan.FromMinutes(5);
        var now = Clock;
        PollTimer(key, target, state, interval, now);

        // The controller should run synchronization only when asked after the last one (reconcile: "Check the
        // controller should run synchronization").
        var synced = JsonTools.ParseTimestamp(target.Str("status", "lastSyncedAt"));
        var requested = JsonTools.ParseTimestamp(target.Str("spec", "syncRequestedAt"));
        if (synced is not null && !(requested > synced) && !state.Forced && state.Url == url) return;
        state.Forced = false;
        state.Url = url;

        var status = target.Obj("status")?.CloneObject() ?? new JsonObject();
        status["ownerID"] = Lh.NodeName;
        string? unavailable;
        if (url.Length == 0)
        {
            Lh.Plane.RemoveBackupTarget(name);
            unavailable = "backup target URL is empty";
        }
        else if (Lh.Locator.Resolve(url, out var why) is not { } directory)
        {
            Lh.Plane.RemoveBackupTarget(name);
            unavailable = $"failed to list system backups in {url}: {why}";
        }
        else
        {
            if (Lh.Plane.GetBackupTargetLocation(name) != (url.TrimEnd('/'), directory)) Lh.Plane.SetBackupTarget(name, url, directory);
            var probe = await Lh.Plane.GetBackupTargetAsync(name, ct).ConfigureAwait(false);
            unavailable = probe.Status.Available ? null : $"failed to list system backups in {url}: {probe.Status.Conditions.FirstOrDefault()?.Message}";
        }

        status["available"] = unavailable is null;
        status["conditions"] = unavailable is null
            ? SetCondition(status["conditions"], "Unavailable", "False", "", "")
            : SetCondition(status["conditions"], "Unavailable", "True", "Unavailable", unavailable);
        if (unavailable is null)
        {
            // syncTime is taken when the reconcile starts, and set only when the store answered.
            status["lastSyncedAt"] = JsonTools.Timestamp(now);
            await SyncBackupVolumesAsync(target, now, ct).ConfigureAwait(false);
        }
        else if (LonghornStore.IsAvailable(target))
        {
            Log.LogWarning("backup target {Target} became unavailable: {Why}", name, unavailable);
        }
        WriteStatus(LonghornKube.BackupTargets, target, status);
    }

    /// <summary>The poll timer (backup_target_controller.go: BackupStoreTimer.Start): every interval it stamps
    /// <c>spec.syncRequestedAt</c> with Longhorn's clock, which asks for a sync like any other request.</summary>
    private void PollTimer(ObjectRef key, JsonObject target, SyncState state, TimeSpan interval, DateTimeOffset now)
    {
        if (interval <= TimeSpan.Zero)
        {
            state.LastPoll = null;
            return;
        }
        state.LastPoll ??= now;
        if (now - state.LastPoll.Value >= interval)
        {
            state.LastPoll = now;
            try
            {
                MergePatch(LonghornKube.BackupTargets, target.Str("metadata", "name")!, new JsonObject { ["spec"] = new JsonObject { ["syncRequestedAt"] = JsonTools.Timestamp(now) } });
            }
            catch (KubeApiException e) when (e.Code is 404 or 409)
            {
            }
        }
        EnqueueAfter(key, state.LastPoll.Value + interval - now);
    }

    /// <summary>syncBackupVolume: creates a BackupVolume for every backup volume in the store, deletes (with
    /// <c>longhorn.io/delete-custom-resource-only</c>: object only) those the store does not have, and stamps every one's
    /// <c>spec.syncRequestedAt</c> with the sync time. A failed listing changes nothing.</summary>
    private async Task SyncBackupVolumesAsync(JsonObject target, DateTimeOffset syncTime, CancellationToken ct)
    {
        var targetName = target.Str("metadata", "name")!;
        IReadOnlyList<Api.BackupVolumeInfo> inStore;
        try
        {
            inStore = await Lh.Plane.ListBackupVolumesAsync(targetName, ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            inStore = []; // a fresh target: no backupstore/ yet, so no backup volumes
        }
        catch (WildBackupException e)
        {
            // Never act on a failed listing: the cluster's objects stay as they are until a listing succeeds.
            Log.LogWarning("listing backup volumes in {Target} failed: {Error}", targetName, e.Message);
            return;
        }
        var stored = inStore.Select(v => v.Spec.VolumeName).ToHashSet(StringComparer.Ordinal);
        var existing = Lh.Store.BackupVolumesOf(targetName);
        var existingVolumes = existing.Select(Lh.Store.BackupVolumeVolume).ToHashSet(StringComparer.Ordinal);
        foreach (var volume in stored.Where(v => !existingVolumes.Contains(v)))
        {
            try
            {
                Create(LonghornKube.BackupVolumes, BackupVolumeObject(target, volume, Lh.Version));
            }
            catch (KubeApiException e) when (e.Code == 409)
            {
            }
        }
        foreach (var bv in existing.Where(bv => !stored.Contains(Lh.Store.BackupVolumeVolume(bv)) && !IsDeleting(bv)))
            DeleteObjectOnly(LonghornKube.BackupVolumes, bv.Str("metadata", "name")!);
        foreach (var volume in stored) RequestBackupVolumeSync(targetName, volume, syncTime);
    }

    /// <summary>A BackupVolume for <paramref name="volumeName"/> on <paramref name="target"/>, named and labelled as longhorn-manager
    /// does (pullBackupVolumeFromBackupTarget); v1.7: named after the volume, no labels, no spec.</summary>
    public static JsonObject BackupVolumeObject(JsonObject target, string volumeName, LonghornVersion version)
    {
        var targetName = target.Str("metadata", "name")!;
        if (!version.HasBackupTargetName)
            return new JsonObject { ["kind"] = "BackupVolume", ["metadata"] = new JsonObject { ["name"] = volumeName }, ["spec"] = new JsonObject() };
        return new JsonObject
        {
            ["kind"] = "BackupVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = LonghornKube.BackupVolumeName(volumeName, targetName, version),
                ["labels"] = new JsonObject { [LonghornKube.LabelBackupTarget] = targetName, [LonghornKube.LabelBackupVolume] = volumeName },
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = LonghornKube.ApiVersion,
                    ["kind"] = "BackupTarget",
                    ["name"] = targetName,
                    ["uid"] = target.Str("metadata", "uid"),
                }),
            },
            ["spec"] = new JsonObject { ["backupTargetName"] = targetName, ["volumeName"] = volumeName },
        };
    }

    /// <summary>Turns the target's knobs from its fault annotations when they change (removing one clears its knob).</summary>
    private void ApplyFaultAnnotations(string name, JsonObject target, SyncState state)
    {
        var unavailable = target.Str("metadata", "annotations", FaultAnnotations.Unavailable);
        var throughput = target.Str("metadata", "annotations", FaultAnnotations.Throughput);
        if (unavailable != state.Unavailable)
        {
            state.Unavailable = unavailable;
            Lh.Plane.Faults.ForTarget(name).Unavailable = unavailable == "true";
        }
        if (throughput != state.Throughput)
        {
            state.Throughput = throughput;
            Lh.Plane.Faults.ForTarget(name).ThroughputLimitBytesPerSecond =
                long.TryParse(throughput, NumberStyles.None, CultureInfo.InvariantCulture, out var bps) ? bps : 0;
        }
    }
}
