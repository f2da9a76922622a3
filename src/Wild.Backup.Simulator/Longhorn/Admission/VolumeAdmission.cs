using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using static Wild.Backup.Simulator.Longhorn.Admission.LonghornWebhooks;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>
/// Longhorn's Volume webhooks. The mutator fills the defaults from the Settings (replica count, backup compression
/// method, backup block size), rounds <c>spec.size</c> up to 2 MiB, and for a restore (<c>spec.fromBackup</c>) takes the
/// size, target and access mode from the Backup and BackupVolume — which must exist — and labels the volume with its
/// backup volume. The validator checks names and enumerations and refuses size changes (the simulator cannot grow volumes).
/// </summary>
internal sealed class VolumeAdmission(LonghornStore store)
{
    private const long SizeAlignment = 2L * 1024 * 1024;

    public void Mutate(AdmissionReview review)
    {
        var volume = review.Object;
        AddFinalizer(volume);
        if (review.Operation != AdmissionOperation.Create) return;
        var spec = volume.Ensure("spec");

        if ((spec.Long("numberOfReplicas") ?? 0) == 0)
            spec["numberOfReplicas"] = int.TryParse(store.Setting(SettingNames.DefaultReplicaCount), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 3;
        if (string.IsNullOrEmpty(spec.Str("dataLocality"))) spec["dataLocality"] = "disabled";
        if (string.IsNullOrEmpty(spec.Str("frontend")) && spec.Bool("Standby") != true) spec["frontend"] = "blockdev";
        if (string.IsNullOrEmpty(spec.Str("dataEngine"))) spec["dataEngine"] = "v1";

        var size = ParseSize(spec.Str("size"));
        var targetName = spec.Str("backupTargetName") ?? "";
        var fromBackup = spec.Str("fromBackup") ?? "";
        JsonObject? backup = null;
        if (fromBackup.Length > 0)
        {
            BackupUrl url;
            try
            {
                url = BackupUrl.Decode(fromBackup);
            }
            catch (Core.Errors.InvalidInputException e)
            {
                throw AdmissionDenial.Invalid($"cannot get backup and volume name from backup URL {fromBackup}: {e.Message}");
            }
            var backupName = url.BackupName ?? "";
            backup = store.Get(LonghornKube.Backups, backupName)
                ?? throw AdmissionDenial.Invalid($"cannot get backup {backupName}: {NotFound(LonghornKube.Backups, backupName)}");
            targetName = backup.Str("status", "backupTargetName") ?? "";
            var backupVolume = store.BackupVolume(targetName, url.VolumeName)
                ?? throw AdmissionDenial.Invalid($"cannot get backup volume for backup target {targetName} and volume {url.VolumeName}: {NotFound(LonghornKube.BackupVolumes, url.VolumeName)}");
            var sourceSize = backupVolume.Str("status", "size") is { Length: > 0 } s ? s : backup.Str("status", "volumeSize");
            size = ParseSize(sourceSize);
            if (size <= 0) throw AdmissionDenial.Invalid($"get invalid size for volume {sourceSize}");
            SetLabel(volume, LonghornKube.LabelBackupVolume, url.VolumeName);
            if (backup.Str("spec", "backupBlockSize") is { Length: > 0 } blockSize && blockSize != "-1") spec["backupBlockSize"] = blockSize;
        }
        if (string.IsNullOrEmpty(spec.Str("accessMode")))
        {
            spec["accessMode"] = backup?.Str("status", "labels", LonghornKube.LabelVolumeAccessMode) is { Length: > 0 } fromLabel ? fromLabel : "rwo";
        }
        if (targetName.Length == 0) targetName = LonghornKube.DefaultTargetName;
        SetLabel(volume, LonghornKube.LabelBackupTarget, targetName);
        spec["backupTargetName"] = targetName;
        spec["size"] = RoundUp(size).ToString(CultureInfo.InvariantCulture);
        spec["image"] = LonghornKube.DefaultEngineImage;
        if (string.IsNullOrEmpty(spec.Str("backupCompressionMethod")))
        {
            spec["backupCompressionMethod"] = store.Setting(SettingNames.BackupCompressionMethod) is { Length: > 0 } m ? m
                : throw AdmissionDenial.Invalid("BUG: Invalid empty Setting.BackupCompressionMethod");
        }
        if (string.IsNullOrEmpty(spec.Str("backupBlockSize")))
        {
            var mib = long.TryParse(store.Setting(SettingNames.DefaultBackupBlockSize), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 2;
            spec["backupBlockSize"] = (mib * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
        }
    }

    public void Validate(AdmissionReview review)
    {
        var volume = review.Object;
        if (review.Operation == AdmissionOperation.Update)
        {
            if (volume.Str("spec", "size") != review.OldObject.Str("spec", "size"))
                throw AdmissionDenial.Invalid("the simulated Longhorn cannot expand or shrink volumes", "spec.size");
            if (volume.Str("spec", "fromBackup") != review.OldObject.Str("spec", "fromBackup"))
                throw AdmissionDenial.Invalid("spec.fromBackup cannot be changed", "spec.fromBackup");
            return;
        }
        if (!BlockStorePaths.IsValidName(review.Name)) throw AdmissionDenial.Invalid($"invalid name {review.Name}");
        var spec = volume.Obj("spec")!;
        if (spec.Str("accessMode") is not ("rwo" or "rwop" or "rwx")) throw AdmissionDenial.Invalid($"invalid access mode {spec.Str("accessMode")}", "spec.accessMode");
        var replicas = spec.Long("numberOfReplicas") ?? 0;
        if (replicas is < 1 or > 20) throw AdmissionDenial.Invalid($"replica count value {replicas} must be between 1 and 20", "spec.numberOfReplicas");
        if (spec.Str("dataEngine") == "v2") throw AdmissionDenial.Invalid("the simulated Longhorn runs the v1 data engine only", "spec.dataEngine");
        var blockSize = spec.Str("backupBlockSize") ?? "";
        if (blockSize is not ("2097152" or "16777216")) throw AdmissionDenial.Invalid($"invalid backup block size {blockSize}", "spec.backupBlockSize");
        if (ParseSize(spec.Str("size")) % long.Parse(blockSize, CultureInfo.InvariantCulture) != 0)
            throw AdmissionDenial.Invalid($"volume size {spec.Str("size")} is not a multiple of the backup block size {blockSize}", "spec.backupBlockSize");
        if (spec.Bool("Standby") == true) throw AdmissionDenial.Invalid("the simulated Longhorn has no DR (standby) volumes", "spec.Standby");
    }

    private static long ParseSize(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : value is null ? 0 : (long)(Json.Quantity.Parse(value) ?? 0);

    // longhorn-manager util.RoundUpSize: 0 becomes 2 MiB, the rest rounds up to 2 MiB.
    private static long RoundUp(long size) => size <= 0 ? SizeAlignment : (size + SizeAlignment - 1) / SizeAlignment * SizeAlignment;
}
