namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>backupvolumes.longhorn.io, for one Longhorn version (k8s/pkg/apis/longhorn/v1beta2/backupvolume.go). From v1.8 one per
/// volume per target, named <c>&lt;volume&gt;-&lt;hash&gt;</c> with <c>spec.backupTargetName</c>/<c>volumeName</c>: select it by its
/// labels, not its name. v1.7: one per volume, named after it, spec only <c>syncRequestedAt</c>.</summary>
internal static class BackupVolumeCrd
{
    public static string Yaml(LonghornVersion v) => CrdFragments.Header("BackupVolume", "backupvolumes", "lhbv",
        "{description: The backup target name, jsonPath: .spec.backupTargetName, name: BackupTarget, type: string}",
        "{description: The backup volume creation time, jsonPath: .status.createdAt, name: CreatedAt, type: string}",
        "{description: The backup volume last backup name, jsonPath: .status.lastBackupName, name: LastBackupName, type: string}",
        "{description: The backup volume last backup time, jsonPath: .status.lastBackupAt, name: LastBackupAt, type: string}",
        "{description: The backup volume last synced time, jsonPath: .status.lastSyncedAt, name: LastSyncedAt, type: string}") + $$"""
                  spec:
                    type: object
                    properties:
        {{CrdFragments.If(v.HasBackupTargetName, "              backupTargetName: {type: string}")}}
                      syncRequestedAt: {type: string, format: date-time, nullable: true}
        {{CrdFragments.If(v.HasBackupTargetName, "              volumeName: {type: string}")}}
                  status:
                    type: object
                    properties:
                      ownerID: {type: string}
                      lastModificationTime: {type: string, format: date-time, nullable: true}
                      size: {type: string}
                      labels:
                        {{CrdFragments.StringMap(16)}}
                      createdAt: {type: string}
                      lastBackupName: {type: string}
                      lastBackupAt: {type: string}
                      dataStored: {type: string}
                      messages:
                        {{CrdFragments.StringMap(16)}}
                      backingImageName: {type: string}
                      backingImageChecksum: {type: string}
                      storageClassName: {type: string}
                      lastSyncedAt: {type: string, format: date-time, nullable: true}
        """;
}
