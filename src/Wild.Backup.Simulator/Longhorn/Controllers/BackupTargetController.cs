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
/// longhorn-manager's BackupTarget controller: maps each target's URL to its directory and hands it to the data plane,
/// checks it at start, on every change, on <c>spec.syncRequestedAt</c>, every <c>spec.pollInterval</c> and whenever a
/// fault knob changes; reports <c>status.available</c>, the <c>Unavailable</c> condition and <c>lastSyncedAt</c>;
/// and, while available, creates a BackupVolume for every volume in the store and asks each to sync.
/// Fault annotations on a BackupTarget (<see cref="FaultAnnotations"/>) turn its knobs.
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
        public DateTimeOffset? LastProbe;
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
        var now = Rt.Now;
        if (!SyncDue(target, state, url, interval, now))
        {
            if (interval > TimeSpan.Zero) EnqueueAfter(key, state.LastProbe!.Value + interval - now);
            return;
        }
        state.Forced = false;
        state.LastProbe = now;
        state.Url = url;

        var status = target.Obj("status")?.CloneObject() ?? new JsonObject();
        status["ownerID"] = Lh.NodeName;
        string? unavailable;
        if (url.Length == 0)
        {
            Lh.Plane.RemoveBackupTarget(name);
            unavailable = "backup target URL is empty";
            status["lastSyncedAt"] = null;
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
            status["lastSyncedAt"] = JsonTools.Timestamp(now);
            await SyncBackupVolumesAsync(target, ct).ConfigureAwait(false);
        }
        else if (LonghornStore.IsAvailable(target))
        {
            Log.LogWarning("backup target {Target} became unavailable: {Why}", name, unavailable);
        }
        WriteStatus(LonghornKube.BackupTargets, target, status);
        if (interval > TimeSpan.Zero) EnqueueAfter(key, interval);
    }

    private static bool SyncDue(JsonObject target, SyncState state, string url, TimeSpan interval, DateTimeOffset now)
    {
        if (state.LastProbe is not { } last || state.Forced || state.Url != url) return true;
        if (interval > TimeSpan.Zero && now - last >= interval) return true;
        // Timestamps are whole seconds: a request in the second of the last probe asks for another one.
        var requested = JsonTools.ParseTimestamp(target.Str("spec", "syncRequestedAt"));
        return requested is { } r && r >= last.AddTicks(-(last.Ticks % TimeSpan.TicksPerSecond));
    }

    /// <summary>Creates a BackupVolume for every backup volume in the store and asks every one of them to sync.</summary>
    private async Task SyncBackupVolumesAsync(JsonObject target, CancellationToken ct)
    {
        var targetName = target.Str("metadata", "name")!;
        IReadOnlyList<Api.BackupVolumeInfo> inStore;
        try
        {
            inStore = await Lh.Plane.ListBackupVolumesAsync(targetName, ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return; // a fresh target: no backupstore/ yet, so no backup volumes
        }
        catch (WildBackupException e)
        {
            // Never act on a failed listing: the cluster's objects stay as they are until a listing succeeds.
            Log.LogWarning("listing backup volumes in {Target} failed: {Error}", targetName, e.Message);
            return;
        }
        var existing = Lh.Store.ListByLabels(LonghornKube.BackupVolumes, (LonghornKube.LabelBackupTarget, targetName))
            .Select(bv => bv.Str("spec", "volumeName")).ToHashSet(StringComparer.Ordinal);
        foreach (var volume in inStore.Select(v => v.Spec.VolumeName).Where(v => !existing.Contains(v)))
        {
            try
            {
                Create(LonghornKube.BackupVolumes, BackupVolumeObject(target, volume));
            }
            catch (KubeApiException e) when (e.Code == 409)
            {
            }
        }
        foreach (var volume in inStore.Select(v => v.Spec.VolumeName)) RequestBackupVolumeSync(targetName, volume);
    }

    /// <summary>A BackupVolume for <paramref name="volumeName"/> on <paramref name="target"/>, named and labelled as longhorn-manager does.</summary>
    public static JsonObject BackupVolumeObject(JsonObject target, string volumeName)
    {
        var targetName = target.Str("metadata", "name")!;
        return new JsonObject
        {
            ["kind"] = "BackupVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = LonghornKube.BackupVolumeName(volumeName, targetName),
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
