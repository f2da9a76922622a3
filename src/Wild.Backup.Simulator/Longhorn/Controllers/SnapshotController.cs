using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's Snapshot controller (controller/snapshot_controller.go): <c>spec.createSnapshot: true</c> asks for
/// the volume to be attached (an attachment ticket) and, while its engine does not run, sets the transient
/// <c>status.error</c> "failed to take snapshot because the volume engine &lt;volume&gt;-e-0 is not running. Waiting for the
/// volume to be attached"; once attached it freezes the volume's data as the snapshot named like the object, clears the
/// error, and gives the ticket back. <c>status</c> (<c>readyToUse</c>, <c>creationTime</c>, <c>size</c>,
/// <c>restoreSize</c>, <c>parent</c>, <c>children</c>, <c>labels</c>) follows the data plane. Deleting the object attaches
/// the volume too and deletes the snapshot (refused while a backup of the volume runs: retried) before the finalizer
/// goes; a volume being deleted is not attached for it.
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
        var ticket = "snapshot-controller-" + key.Name;
        var volumeObject = Get(LonghornKube.Volumes, volumeName);
        var engineRunning = volumeObject.Str("status", "state") == VolumeStates.Attached;
        if (IsDeleting(snapshot))
        {
            if (known is not null)
            {
                if (volumeObject is not null && !IsDeleting(volumeObject) && !engineRunning)
                {
                    // "failed to delete snapshot because the volume engine … is not running. Will reenqueue and retry later"
                    Lh.Attachments.Request(volumeName, ticket, Clock);
                    EnqueueAfter(key, Retry);
                    return;
                }
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
            Lh.Attachments.Release(volumeName, ticket);
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
            Lh.Attachments.Request(volumeName, ticket, Clock);
            if (!engineRunning)
            {
                WriteStatus(LonghornKube.Snapshots, snapshot, Failed(snapshot,
                    $"failed to take snapshot because the volume engine {LonghornKube.EngineName(volumeName)} is not running. Waiting for the volume to be attached"));
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
        WriteStatus(LonghornKube.Snapshots, snapshot, status); // syncSnapshotWithSnapshotInfo: readyToUse, error cleared
        Lh.Attachments.Release(volumeName, ticket);
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
