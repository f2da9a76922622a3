using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using static Wild.Backup.Simulator.Longhorn.Admission.LonghornWebhooks;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>
/// Longhorn's Backup webhooks, per version (webhook/resources/backup/mutator.go and validator.go at v1.7.4, v1.8.1,
/// v1.9.2, v1.10.1). The mutator adds the <c>longhorn.io</c> finalizer, the <c>longhorn.io/volume-access-mode</c> spec
/// label and <c>spec.backupMode: incremental</c>; from v1.8 the <c>backup-target</c> label (the volume's
/// <c>spec.backupTargetName</c>) unless given; on v1.10 the volume's <c>spec.backupBlockSize</c>. The <c>backup-volume</c>
/// label is the creator's to set: without it the mutator of v1.7–v1.9 wraps a nil error and panics, so the API server
/// answers 500 "failed calling webhook mutator.longhorn.io … EOF" (upstream issues longhorn#11216, #13722); only v1.10
/// finds the volume from <c>spec.snapshotName</c>. The validator checks the backup mode (all versions) and the name
/// (v1.8+); from v1.9 the target label, that the target exists and is available; on v1.10 the block size and that the
/// snapshot's volume and target match the labels.
/// </summary>
internal sealed class BackupAdmission(LonghornStore store)
{
    private LonghornVersion Version => store.Version;

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
            // errors.Wrapf(err, …) of a nil err is nil; its .Error() panics inside the webhook server.
            if (!Version.BackupMutatorFindsVolume || snapshotName.Length == 0) throw new WebhookCallFailed("mutation");
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
        if (Version.HasBackupBlockSize && snapshotName.Length > 0)
        {
            if (volume is null)
                throw AdmissionDenial.Invalid($"failed to get backup block size from the volume {volumeName} of backup {review.Name}: {NotFound(LonghornKube.Volumes, volumeName)}");
            if (volume.Str("spec", "backupBlockSize") is { Length: > 0 } blockSize) backup.Ensure("spec")["backupBlockSize"] = blockSize;
        }
        if (Version.HasBackupTargetName && Label(backup, LonghornKube.LabelBackupTarget) is null)
        {
            if (volume is null)
                throw AdmissionDenial.Invalid($"failed to get the volume {volumeName} of backup {review.Name}: {NotFound(LonghornKube.Volumes, volumeName)}");
            SetLabel(backup, LonghornKube.LabelBackupTarget, volume.Str("spec", "backupTargetName") ?? "");
        }
    }

    public void Validate(AdmissionReview review)
    {
        if (review.Operation != AdmissionOperation.Create) return;
        var backup = review.Object;
        if (Version.Minor >= 8 && !BlockStorePaths.IsValidName(review.Name)) throw AdmissionDenial.Invalid($"invalid name {review.Name}");
        var mode = backup.Str("spec", "backupMode") ?? "";
        if (mode is not ("full" or "incremental")) throw AdmissionDenial.Invalid($"BackupMode {mode} is not a valid option");
        if (!Version.BackupValidatorChecksTarget) return;

        var volumeLabel = Label(backup, LonghornKube.LabelBackupVolume) ?? "";
        var targetName = Label(backup, LonghornKube.LabelBackupTarget) ?? "";
        if (targetName.Length == 0) throw AdmissionDenial.Invalid("missing backup target label on backup object");
        var target = store.Get(LonghornKube.BackupTargets, targetName)
            ?? throw AdmissionDenial.Invalid($"failed to get backup target {targetName}: {NotFound(LonghornKube.BackupTargets, targetName)}");
        if (Version.HasBackupBlockSize && backup.Str("spec", "backupBlockSize") is { Length: > 0 } size && size != "-1" && !IsBlockSize(size))
            throw AdmissionDenial.Invalid($"invalid backup block size {size}");
        if (!LonghornStore.IsAvailable(target)) throw AdmissionDenial.Invalid($"backup target {targetName} is not available");
        if (!Version.BackupValidatorChecksSnapshot) return;

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

/// <summary>
/// Longhorn's webhook server failed the call (a panic in a handler closes the connection): the API server answers 500
/// InternalError "failed calling webhook … EOF" (<see cref="AdmissionChain"/> adds the prefix).
/// </summary>
internal sealed class WebhookCallFailed(string kind)
    : Exception($"failed to call webhook: Post \"https://longhorn-admission-webhook.longhorn-system.svc:9502/v1/webhook/{kind}?timeout=10s\": EOF");
