using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Faults;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Longhorn.Operations;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's Volume controller (with the parts of the Engine controller the product sees): a new Volume gets its
/// sparse data file; one with <c>spec.fromBackup</c> is restored from the store with every block's checksum checked,
/// <c>status.restoreRequired</c> true until the last block is in, progress on its Engine (<c>&lt;volume&gt;-e-0</c>,
/// <c>status.restoreStatus</c>) and a <c>Restore</c> condition. <c>status.state</c> is <c>attached</c> while a running pod
/// uses the volume (or a restore runs), else <c>detached</c>; <c>robustness</c> healthy/unknown, <c>faulted</c> after a
/// failed restore; <c>kubernetesStatus</c> names the PV, claim and pods; <c>lastBackup</c> follows completed backups.
/// Deleting the Volume removes its data (after a running restore is cancelled) before the finalizer goes.
/// Fault annotations on a Volume (<see cref="FaultAnnotations"/>) turn its backup knobs.
/// </summary>
internal sealed partial class VolumeController : LonghornController
{
    public VolumeController(LonghornContext lh) : base(lh, "longhorn-volume")
    {
        // An attachment ticket given or taken back changes whether the volume is attached.
        lh.Attachments.Changed += volume => Enqueue(Key(LonghornKube.Volumes, volume));
    }

    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, LonghornOperation<RestoreStatus>> _restores = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _annotations = new(StringComparer.Ordinal);

    protected override IEnumerable<GroupResource?> Watches =>
    [
        LonghornKube.Volumes.GroupResource,
        LonghornKube.BackupVolumes.GroupResource,
        GroupVersionResource.PersistentVolumes.GroupResource,
        GroupVersionResource.PersistentVolumeClaims.GroupResource,
        GroupVersionResource.Pods.GroupResource,
    ];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var obj in new[] { e.Object, e.Previous }.OfType<StoredObject>().Select(o => o.Parse()))
        {
            if (e.Resource == LonghornKube.Volumes.GroupResource) names.Add(obj.Str("metadata", "name")!);
            else if (e.Resource == LonghornKube.BackupVolumes.GroupResource) names.Add(obj.Str("spec", "volumeName") ?? "");
            else if (e.Resource == GroupVersionResource.PersistentVolumes.GroupResource) names.Add(VolumeUsage.VolumeOf(obj) ?? "");
            else if (e.Resource == GroupVersionResource.PersistentVolumeClaims.GroupResource) names.Add(VolumeUsage.VolumeOfClaim(Rt, obj) ?? "");
            else
            {
                var ns = obj.Str("metadata", "namespace") ?? "";
                foreach (var claim in VolumeUsage.ClaimsOf(obj))
                    names.Add(VolumeUsage.VolumeOfClaim(Rt, Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, ns, claim)) ?? "");
            }
        }
        names.Remove("");
        return names.Where(n => e.Resource == LonghornKube.Volumes.GroupResource || Get(LonghornKube.Volumes, n) is not null)
            .Select(n => Key(LonghornKube.Volumes, n)).ToList();
    }

    protected override async Task ReconcileAsync(ObjectRef key, CancellationToken ct)
    {
        var name = key.Name;
        var volume = Get(LonghornKube.Volumes, name);
        if (volume is null) return;
        if (IsDeleting(volume))
        {
            await DeleteAsync(key, ct).ConfigureAwait(false);
            return;
        }
        ApplyFaultAnnotations(name, volume);

        VolumeInfo info;
        try
        {
            info = Lh.Plane.GetVolume(name);
        }
        catch (NotFoundException)
        {
            if (await CreateAsync(key, volume, ct).ConfigureAwait(false) is not { } created) return;
            info = created;
        }
        info = Lh.SyncVolumeSpec(volume, info);
        _restores.TryGetValue(name, out var restore);
        var usage = VolumeUsage.Of(Rt, name);
        volume = WriteStatus(LonghornKube.Volumes, volume, Status(key, volume, info, restore?.Status, usage));
        SyncEngine(volume, info, restore?.Status);
    }

    /// <summary>Creates the data plane volume, or starts the restore; null when that failed (the status says why; retried).</summary>
    private async Task<VolumeInfo?> CreateAsync(ObjectRef key, JsonObject volume, CancellationToken ct)
    {
        var spec = volume.Obj("spec")!;
        var size = long.Parse(spec.Str("size") ?? "0", CultureInfo.InvariantCulture);
        var replicas = (int)(spec.Long("numberOfReplicas") ?? 3);
        var fromBackup = spec.Str("fromBackup") ?? "";
        try
        {
            if (fromBackup.Length > 0)
            {
                // checkAndInitVolumeRestore: the volume is marked as needing a restore before the engine starts one.
                if (volume.Bool("status", "restoreRequired") != true)
                {
                    var init = volume.Obj("status")?.CloneObject() ?? new JsonObject();
                    init["ownerID"] = Lh.NodeName;
                    init["state"] = "creating";
                    init["restoreRequired"] = true;
                    init["restoreInitiated"] = true;
                    volume = WriteStatus(LonghornKube.Volumes, volume, init);
                }
                var op = await Lh.Plane.StartRestoreAsync(new RestoreRequest
                {
                    VolumeName = key.Name,
                    FromBackup = fromBackup,
                    SizeBytes = size,
                    NumberOfReplicas = replicas,
                }, ct).ConfigureAwait(false);
                _restores[key.Name] = op;
                op.StatusChanged += _ => Enqueue(key);
            }
            else
            {
                await Lh.Plane.CreateVolumeAsync(new VolumeRequest
                {
                    Name = key.Name,
                    SizeBytes = size,
                    NumberOfReplicas = replicas,
                    Frontend = spec.Str("frontend") is { Length: > 0 } f ? f : "blockdev",
                    DataEngine = spec.Str("dataEngine") ?? "v1",
                    AccessMode = spec.Str("accessMode") ?? "rwo",
                    BackupCompressionMethod = spec.Str("backupCompressionMethod"),
                    BackupBlockSize = long.TryParse(spec.Str("backupBlockSize"), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : null,
                    BackupTargetName = spec.Str("backupTargetName") ?? LonghornKube.DefaultTargetName,
                }, ct).ConfigureAwait(false);
            }
            return Lh.Plane.GetVolume(key.Name);
        }
        catch (WildBackupException e)
        {
            var status = volume.Obj("status")?.CloneObject() ?? new JsonObject();
            status["ownerID"] = Lh.NodeName;
            status["state"] = "creating";
            status["robustness"] = VolumeStates.Unknown;
            if (fromBackup.Length > 0)
                status["conditions"] = SetCondition(status["conditions"], "Restore", "False", "RestoreFailure", $"failed to start restoring from {fromBackup}: {e.Message}");
            WriteStatus(LonghornKube.Volumes, volume, status);
            EnqueueAfter(key, Retry);
            return null;
        }
    }

    private async Task DeleteAsync(ObjectRef key, CancellationToken ct)
    {
        if (_restores.TryGetValue(key.Name, out var restore) && !restore.Status.IsFinal)
        {
            restore.Cancel();
            await restore.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }
        try
        {
            await Lh.Plane.DeleteVolumeAsync(key.Name, ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
        }
        catch (ConflictException)
        {
            EnqueueAfter(key, Retry); // a backup of it still runs
            return;
        }
        _restores.TryRemove(key.Name, out _);
        _annotations.TryRemove(key.Name, out _);
        Lh.Attachments.Forget(key.Name);
        RemoveLonghornFinalizer(LonghornKube.Volumes, key.Name);
    }

    /// <summary>Turns the volume's knobs from its fault annotations when they change (removing one clears its knob).</summary>
    private void ApplyFaultAnnotations(string name, JsonObject volume)
    {
        var a = volume.Obj("metadata", "annotations");
        var fault = a.Str(FaultAnnotations.BackupFault);
        var message = a.Str(FaultAnnotations.BackupError);
        var deleteError = a.Str(FaultAnnotations.DeleteError);
        var signature = $"{fault}\n{message}\n{deleteError}";
        if (_annotations.TryGetValue(name, out var applied) ? applied == signature : signature == "\n\n") return;
        _annotations[name] = signature;
        var knobs = Lh.Plane.Faults.ForVolume(name);
        knobs.HangBackups = fault == "hang";
        knobs.UnknownBackups = fault == "unknown";
        knobs.BackupError = fault == "error" ? message ?? FaultAnnotations.DefaultBackupError : null;
        knobs.DeleteError = deleteError;
    }
}
