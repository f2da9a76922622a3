namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>backupvolumes.longhorn.io, trimmed (longhorn-manager v1beta2 BackupVolume). One per volume per target,
/// named <c>&lt;volume&gt;-&lt;hash&gt;</c>: select it by its labels, not its name.</summary>
internal static class BackupVolumeCrd
{
    public static string Yaml => CrdFragments.Header("BackupVolume", "backupvolumes", "lhbv",
        "{description: The backup target name, jsonPath: .spec.backupTargetName, name: BackupTarget, type: string}",
        "{description: The backup volume creation time, jsonPath: .status.createdAt, name: CreatedAt, type: string}",
        "{description: The backup volume last backup name, jsonPath: .status.lastBackupName, name: LastBackupName, type: string}",
        "{description: The backup volume last backup time, jsonPath: .status.lastBackupAt, name: LastBackupAt, type: string}",
        "{description: The backup volume last synced time, jsonPath: .status.lastSyncedAt, name: LastSyncedAt, type: string}") + $$"""
                  spec:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                    properties:
                      backupTargetName: {type: string, nullable: true}
                      syncRequestedAt: {type: string, format: date-time, nullable: true}
                      volumeName: {type: string}
                  status:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
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
