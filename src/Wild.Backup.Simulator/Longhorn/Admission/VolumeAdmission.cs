using System.Globalization;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using static Wild.Backup.Simulator.Longhorn.Admission.LonghornWebhooks;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>
/// Longhorn's Volume webhooks, per version (webhook/resources/volume/mutator.go and validator.go; datastore.CheckVolume).
/// The mutator fills the defaults from the Settings (replica count, data locality, backup compression method; on v1.10
/// the backup block size — from the setting, not from the backup), rounds <c>spec.size</c> up to 2 MiB and sets the
/// engine image. For a restore (<c>spec.fromBackup</c>) it reads the Backup's <em>status</em>, which must have been
/// synced: the size is <c>status.volumeSize</c> (no fallback: on v1.7 an unsynced Backup gives 0, rounded up to 2 MiB), and
/// from v1.8 the target is <c>status.backupTargetName</c>, whose BackupVolume must exist (an unsynced Backup is refused
/// with "cannot get backup volume for backup target  and volume …"); the access mode comes from the Backup's status
/// labels when not given. The validator refuses names that are not DNS-1123 labels of at most 40 characters, access
/// modes other than rwo/rwx, encrypted volumes of 16 MiB or less, an unknown target (v1.8+), and on v1.10 sizes that
/// are not a multiple of the backup block size; it refuses size changes (the simulator cannot grow volumes).
/// </summary>
internal sealed partial class VolumeAdmission(LonghornStore store)
{
    private const long SizeAlignment = 2L * 1024 * 1024;
    private const long Luks2MinimalVolumeSize = 16L * 1024 * 1024;
    private const int NameMaximumLength = 40;

    private LonghornVersion Version => store.Version;

    public void Mutate(AdmissionReview review)
    {
        var volume = review.Object;
        AddFinalizer(volume);
        if (review.Operation != AdmissionOperation.Create) return;
        var spec = volume.Ensure("spec");

        if ((spec.Long("numberOfReplicas") ?? 0) == 0)
            spec["numberOfReplicas"] = int.TryParse(store.Setting(SettingNames.DefaultReplicaCount), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 3;
        if (string.IsNullOrEmpty(spec.Str("dataLocality"))) spec["dataLocality"] = store.Setting(SettingNames.DefaultDataLocality) is { Length: > 0 } l ? l : "disabled";
        if (string.IsNullOrEmpty(spec.Str("frontend")) && spec.Bool("Standby") != true) spec["frontend"] = "blockdev";
        if (string.IsNullOrEmpty(spec.Str("dataEngine"))) spec["dataEngine"] = "v1";

        var size = ParseSize(spec.Str("size"));
        var targetName = Version.HasBackupTargetName ? spec.Str("backupTargetName") ?? "" : "";
        var fromBackup = spec.Str("fromBackup") ?? "";
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
            if (!Version.HasBackupTargetName && store.BackupVolume(LonghornKube.DefaultTargetName, url.VolumeName) is null)
                throw AdmissionDenial.Invalid($"cannot get backup volume {url.VolumeName}: {NotFound(LonghornKube.BackupVolumes, url.VolumeName)}");
            var backup = store.Get(LonghornKube.Backups, backupName)
                ?? throw AdmissionDenial.Invalid($"cannot get backup {backupName}: {NotFound(LonghornKube.Backups, backupName)}");
            if (Version.HasBackupTargetName)
            {
                targetName = backup.Str("status", "backupTargetName") ?? "";
                if (store.BackupVolume(targetName, url.VolumeName) is null)
                    throw AdmissionDenial.Invalid($"cannot get backup volume for backup target {targetName} and volume {url.VolumeName}: {NotFound(LonghornKube.BackupVolumes, url.VolumeName)}");
            }
            // "Override size of volume … because it's from backup": the Backup's status.volumeSize, whatever it is.
            var sourceSize = backup.Str("status", "volumeSize") ?? "";
            size = ParseSize(sourceSize, out var valid);
            if (!valid) throw AdmissionDenial.Invalid($"get invalid size for volume {sourceSize}");
            SetLabel(volume, LonghornKube.LabelBackupVolume, url.VolumeName);
            if (string.IsNullOrEmpty(spec.Str("accessMode")))
                spec["accessMode"] = backup.Str("status", "labels", LonghornKube.LabelVolumeAccessMode) is { Length: > 0 } fromLabel ? fromLabel : "rwo";
        }
        if (string.IsNullOrEmpty(spec.Str("accessMode"))) spec["accessMode"] = "rwo";
        if (Version.HasBackupTargetName)
        {
            if (targetName.Length == 0) targetName = LonghornKube.DefaultTargetName;
            SetLabel(volume, LonghornKube.LabelBackupTarget, targetName);
            spec["backupTargetName"] = targetName;
        }
        spec["size"] = RoundUp(size).ToString(CultureInfo.InvariantCulture);
        spec["image"] = Version.EngineImage;
        if (string.IsNullOrEmpty(spec.Str("backupCompressionMethod")))
        {
            spec["backupCompressionMethod"] = store.Setting(SettingNames.BackupCompressionMethod) is { Length: > 0 } m ? m
                : throw AdmissionDenial.Invalid("BUG: Invalid empty Setting.BackupCompressionMethod");
        }
        if (Version.HasBackupBlockSize && string.IsNullOrEmpty(spec.Str("backupBlockSize")))
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
        var name = review.Name;
        if (!ValidName().IsMatch(name)) throw AdmissionDenial.Invalid($"invalid name {name}");
        var spec = volume.Obj("spec")!;
        if (spec.Str("accessMode") is not ("rwo" or "rwx")) throw AdmissionDenial.Invalid($"invalid access mode: {spec.Str("accessMode")}");
        var replicas = spec.Long("numberOfReplicas") ?? 0;
        if (replicas is < 1 or > 20) throw AdmissionDenial.Invalid($"replica count value {replicas} must be between 1 and 20", "spec.numberOfReplicas");
        if (spec.Bool("Standby") != true && spec.Str("frontend") is not ("blockdev" or "iscsi" or "nvmf") && !(Version.HasUblkFrontend && spec.Str("frontend") == "ublk"))
            throw AdmissionDenial.Invalid($"invalid volume frontend specified: {spec.Str("frontend")}");
        // datastore.CheckVolume
        var size = ParseSize(spec.Str("size"));
        if (spec.Bool("encrypted") == true && size <= Luks2MinimalVolumeSize)
            throw AdmissionDenial.Invalid($"invalid volume size {spec.Str("size")}, need to be bigger than 16MiB, default LUKS2 header size for encryption");
        if (!Dns1123Label().IsMatch(name) || name.Length > 63)
            throw AdmissionDenial.Invalid($"invalid volume name: [a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]");
        if (name.Length > NameMaximumLength)
            throw AdmissionDenial.Invalid($"volume name is too long {name}, must be less than {NameMaximumLength} characters");
        if (spec.Str("dataEngine") == "v2") throw AdmissionDenial.Forbidden("v2-data-engine data engine is not enabled");
        if (Version.HasBackupTargetName)
        {
            var target = spec.Str("backupTargetName") ?? "";
            if (target.Length == 0) throw AdmissionDenial.Invalid("backup target name cannot be empty when creating a volume or updating from an existing backup target", "spec.backupTargetName");
            if (store.Get(LonghornKube.BackupTargets, target) is null)
                throw AdmissionDenial.Invalid($"failed to get backup target {target}: {NotFound(LonghornKube.BackupTargets, target)}", "spec.backupTargetName");
        }
        if (Version.HasBackupBlockSize)
        {
            var blockSize = spec.Str("backupBlockSize") ?? "";
            if (blockSize is not ("2097152" or "16777216")) throw AdmissionDenial.Invalid($"invalid backup block size {blockSize}", "spec.backupBlockSize");
            if (size % long.Parse(blockSize, CultureInfo.InvariantCulture) != 0)
                throw AdmissionDenial.Invalid($"volume size {spec.Str("size")} is not a multiple of the backup block size {blockSize}", "spec.backupBlockSize");
        }
        if (spec.Bool("Standby") == true) throw AdmissionDenial.Invalid("the simulated Longhorn has no DR (standby) volumes", "spec.Standby");
    }

    // util.ValidateName
    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]+$")]
    private static partial Regex ValidName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    private static long ParseSize(string? value) => ParseSize(value, out _);

    // util.ConvertSize: "" is 0; anything else a Kubernetes quantity.
    private static long ParseSize(string? value, out bool valid)
    {
        valid = true;
        if (string.IsNullOrEmpty(value)) return 0;
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        var q = Json.Quantity.Parse(value);
        valid = q is not null;
        return (long)(q ?? 0);
    }

    // longhorn-manager util.RoundUpSize: 0 becomes 2 MiB, the rest rounds up to 2 MiB.
    private static long RoundUp(long size) => size <= 0 ? SizeAlignment : (size + SizeAlignment - 1) / SizeAlignment * SizeAlignment;
}
