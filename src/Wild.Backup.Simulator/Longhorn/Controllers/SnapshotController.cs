using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's Snapshot controller: <c>spec.createSnapshot: true</c> freezes the volume's data as the snapshot
/// named like the object, then <c>status</c> (<c>readyToUse</c>, <c>creationTime</c>, <c>size</c>, <c>restoreSize</c>,
/// <c>parent</c>, <c>children</c>, <c>labels</c>) follows the data plane. Deleting the object deletes the snapshot
/// (refused while a backup of the volume runs: retried) before the finalizer goes.
/// </summary>
internal sealed class SnapshotController(LonghornContext lh) : LonghornController(lh, "longhorn-snapshot")
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(500);

    protected override IEnumerable<GroupResource?> Watches => [LonghornKube.Snapshots.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        // A snapshot coming or going reshapes its volume's chain (parent/children of its neighbours): refresh them all.
        var self = Self(e);
        var volume = (e.Object ?? e.Previous)!.Parse().Str("spec", "volume");
        var siblings = volume is null ? [] : Lh.Store.ListByLabels(LonghornKube.Snapshots, (LonghornKube.LabelVolume, volume))
            .Select(s => Key(LonghornKube.Snapshots, s.Str("metadata", "name")!));
        return siblings.Append(self).Distinct().ToList();
    }

    protected override async Task ReconcileAsync(ObjectRef key, CancellationToken ct)
    {
        var snapshot = Get(LonghornKube.Snapshots, key.Name);
        if (snapshot is null) return;
        var volumeName = snapshot.Str("spec", "volume") ?? "";
        var known = Find(key.Name);
        if (IsDeleting(snapshot))
        {
            if (known is not null)
            {
                try
                {
                    await Lh.Plane.DeleteSnapshotAsync(key.Name, ct).ConfigureAwait(false);
                }
                catch (ConflictException)
                {
                    EnqueueAfter(key, Retry);
                    return;
                }
                catch (NotFoundException)
                {
                }
            }
            RemoveLonghornFinalizer(LonghornKube.Snapshots, key.Name);
            return;
        }

        if (known is null && snapshot.Bool("spec", "createSnapshot") == true && snapshot.Str("status", "creationTime") is not { Length: > 0 })
        {
            if (Get(LonghornKube.Volumes, volumeName) is { } volume && volume.Bool("status", "restoreRequired") == true)
            {
                WriteStatus(LonghornKube.Snapshots, snapshot, Failed(snapshot, $"cannot take snapshot of volume {volumeName}: it is being restored"));
                EnqueueAfter(key, Retry);
                return;
            }
            try
            {
                var labels = snapshot.Obj("spec", "labels").StringMap();
                known = await Lh.Plane.CreateSnapshotAsync(volumeName, key.Name, labels.Count == 0 ? null : labels, ct).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                // The volume's data plane side is not there yet (or any more): wait for the Volume controller.
                WriteStatus(LonghornKube.Snapshots, snapshot, Failed(snapshot, $"failed to get volume {volumeName} for snapshot {key.Name}"));
                EnqueueAfter(key, Retry);
                return;
            }
        }

        if (known is null)
        {
            WriteStatus(LonghornKube.Snapshots, snapshot, Failed(snapshot, "lost track of the corresponding snapshot info inside volume engine"));
            return;
        }
        var status = JsonSerializer.SerializeToNode(known.Status, JsonTools.Options)!.AsObject();
        status["ownerID"] = Lh.NodeName;
        status["requestedTime"] = snapshot.Str("status", "requestedTime") ?? status.Str("creationTime");
        WriteStatus(LonghornKube.Snapshots, snapshot, status);
    }

    private Api.SnapshotInfo? Find(string name)
    {
        try
        {
            return Lh.Plane.GetSnapshot(name);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    private JsonObject Failed(JsonObject snapshot, string error)
    {
        var status = snapshot.Obj("status")?.CloneObject() ?? new JsonObject();
        status["ownerID"] = Lh.NodeName;
        status["readyToUse"] = false;
        status["error"] = error;
        return status;
    }
}
