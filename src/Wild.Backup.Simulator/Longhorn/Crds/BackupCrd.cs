namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>backups.longhorn.io for one Longhorn version (k8s/pkg/apis/longhorn/v1beta2/backup.go): <c>backupBlockSize</c>
/// from v1.10, <c>status.backupTargetName</c> from v1.8. Unknown fields are pruned, as by Longhorn's CRD.</summary>
internal static class BackupCrd
{
    public static string Yaml(LonghornVersion v) => CrdFragments.Header("Backup", "backups", "lhb",
        "{description: The snapshot name, jsonPath: .status.snapshotName, name: SnapshotName, type: string}",
        "{description: The snapshot size, jsonPath: .status.size, name: SnapshotSize, type: string}",
        "{description: The snapshot creation time, jsonPath: .status.snapshotCreatedAt, name: SnapshotCreatedAt, type: string}",
        "{description: The backup target name, jsonPath: .status.backupTargetName, name: BackupTarget, type: string}",
        "{description: The backup state, jsonPath: .status.state, name: State, type: string}",
        "{description: The backup last synced time, jsonPath: .status.lastSyncedAt, name: LastSyncedAt, type: string}") + $$"""
                  spec:
                    type: object
                    properties:
                      syncRequestedAt: {type: string, format: date-time, nullable: true}
                      snapshotName: {type: string}
                      labels:
                        {{CrdFragments.StringMap(16)}}
                      backupMode: {type: string, enum: [full, incremental, ""]}
        {{CrdFragments.If(v.HasBackupBlockSize, "              backupBlockSize: {type: string, enum: [\"-1\", \"2097152\", \"16777216\"]}")}}
                  status:
                    type: object
                    properties:
                      ownerID: {type: string}
                      state: {type: string}
                      progress: {type: integer}
                      replicaAddress: {type: string}
                      error: {type: string}
                      url: {type: string}
                      snapshotName: {type: string}
                      snapshotCreatedAt: {type: string}
                      backupCreatedAt: {type: string}
                      size: {type: string}
                      labels:
                        {{CrdFragments.StringMap(16)}}
                      messages:
                        {{CrdFragments.StringMap(16)}}
                      volumeName: {type: string}
                      volumeSize: {type: string}
                      volumeCreated: {type: string}
                      volumeBackingImageName: {type: string}
                      lastSyncedAt: {type: string, format: date-time, nullable: true}
                      compressionMethod: {type: string}
                      newlyUploadDataSize: {type: string}
                      reUploadedDataSize: {type: string}
        {{CrdFragments.If(v.HasBackupTargetName, "              backupTargetName: {type: string}")}}
        """;
}
