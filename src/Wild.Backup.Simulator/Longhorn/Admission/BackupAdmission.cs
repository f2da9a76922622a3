using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using static Wild.Backup.Simulator.Longhorn.Admission.LonghornWebhooks;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>
/// Longhorn's Backup webhooks. The mutator finds the snapshot's volume and adds the labels <c>backup-volume</c> and
/// <c>backup-target</c>, the <c>longhorn.io/volume-access-mode</c> spec label, <c>spec.backupMode</c> (incremental),
/// the volume's <c>spec.backupBlockSize</c> and the <c>longhorn.io</c> finalizer. The validator refuses a Backup whose
/// target is missing or not available, whose snapshot is unknown, or whose labels contradict the snapshot's volume.
/// </summary>
internal sealed class BackupAdmission(LonghornStore store)
{
    public void Mutate(AdmissionReview review)
    {
        var backup = review.Object;
        if (backup.Obj("spec", "labels") is null) backup.Ensure("spec")["labels"] = new JsonObject();
        AddFinalizer(backup);
        if (review.Operation != AdmissionOperation.Create) return;

        var snapshotName = backup.Str("spec", "snapshotName") ?? "";
        var volumeName = Label(backup, LonghornKube.LabelBackupVolume);
        if (volumeName is null)
        {
            if (snapshotName.Length == 0) throw AdmissionDenial.Invalid($"cannot find the backup volume label for backup {review.Name}");
            var snapshot = store.Get(LonghornKube.Snapshots, snapshotName)
                ?? throw AdmissionDenial.InternalError($"failed to get the snapshot {snapshotName}: {NotFound(LonghornKube.Snapshots, snapshotName)}");
            var snapshotVolume = snapshot.Str("spec", "volume") ?? "";
            if (store.Get(LonghornKube.Volumes, snapshotVolume) is null)
                throw AdmissionDenial.InternalError($"failed to get the volume {snapshotVolume} of the snapshot {snapshotName} of the backup {review.Name}: {NotFound(LonghornKube.Volumes, snapshotVolume)}");
            volumeName = snapshotVolume;
            SetLabel(backup, LonghornKube.LabelBackupVolume, volumeName);
        }
        var volume = store.Get(LonghornKube.Volumes, volumeName);

        var specLabels = backup.Obj("spec", "labels")!;
        if (specLabels[LonghornKube.LabelVolumeAccessMode] is null)
            specLabels[LonghornKube.LabelVolumeAccessMode] = volume.Str("spec", "accessMode") is { Length: > 0 } mode ? mode : "rwo";
        if (string.IsNullOrEmpty(backup.Str("spec", "backupMode"))) backup.Ensure("spec")["backupMode"] = "incremental";
        if (snapshotName.Length > 0)
        {
            if (volume is null)
                throw AdmissionDenial.Invalid($"failed to get backup block size from the volume {volumeName} of backup {review.Name}: {NotFound(LonghornKube.Volumes, volumeName)}");
            if (volume.Str("spec", "backupBlockSize") is { Length: > 0 } blockSize) backup.Ensure("spec")["backupBlockSize"] = blockSize;
        }
        if (Label(backup, LonghornKube.LabelBackupTarget) is null)
        {
            if (volume is null)
                throw AdmissionDenial.Invalid($"failed to get the volume {volumeName} of backup {review.Name}: {NotFound(LonghornKube.Volumes, volumeName)}");
            SetLabel(backup, LonghornKube.LabelBackupTarget, volume.Str("spec", "backupTargetName") is { Length: > 0 } t ? t : LonghornKube.DefaultTargetName);
        }
    }

    public void Validate(AdmissionReview review)
    {
        if (review.Operation != AdmissionOperation.Create) return;
        var backup = review.Object;
        if (!BlockStorePaths.IsValidName(review.Name)) throw AdmissionDenial.Invalid($"invalid name {review.Name}");
        var mode = backup.Str("spec", "backupMode") ?? "";
        if (mode is not ("full" or "incremental")) throw AdmissionDenial.Invalid($"BackupMode {mode} is not a valid option");

        var volumeLabel = Label(backup, LonghornKube.LabelBackupVolume) ?? "";
        var targetName = Label(backup, LonghornKube.LabelBackupTarget) ?? "";
        if (targetName.Length == 0) throw AdmissionDenial.Invalid("missing backup target label on backup object");
        var target = store.Get(LonghornKube.BackupTargets, targetName)
            ?? throw AdmissionDenial.Invalid($"failed to get backup target {targetName}: {NotFound(LonghornKube.BackupTargets, targetName)}");
        if (backup.Str("spec", "backupBlockSize") is { Length: > 0 } size && size != "-1" && !IsBlockSize(size))
            throw AdmissionDenial.Invalid($"invalid backup block size {size}");
        if (!LonghornStore.IsAvailable(target)) throw AdmissionDenial.Invalid($"backup target {targetName} is not available");

        var snapshotName = backup.Str("spec", "snapshotName") ?? "";
        if (snapshotName.Length == 0) return;
        var snapshot = store.Get(LonghornKube.Snapshots, snapshotName) ?? throw AdmissionDenial.Invalid($"snapshot {snapshotName} is invalid");
        var volume = store.Get(LonghornKube.Volumes, snapshot.Str("spec", "volume") ?? "") ?? throw AdmissionDenial.Invalid($"volume {snapshot.Str("spec", "volume")} is invalid");
        var volumeName = volume.Str("metadata", "name")!;
        if (volumeLabel != volumeName)
            throw AdmissionDenial.Invalid($"snapshot volume name {volumeName} and label volume name {volumeLabel} does not match");
        var volumeTarget = volume.Str("spec", "backupTargetName") ?? "";
        if (volumeTarget != targetName)
            throw AdmissionDenial.Invalid($"volume backup target {volumeTarget} and label backup target {targetName} does not match");
    }

    private static bool IsBlockSize(string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is 2L * 1024 * 1024 or 16L * 1024 * 1024;
}
