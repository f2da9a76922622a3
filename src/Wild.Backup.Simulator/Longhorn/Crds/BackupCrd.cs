namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>backups.longhorn.io, trimmed to the fields the product and the simulator use (from longhorn-manager's
/// v1beta2 Backup type); unknown fields are preserved, not pruned.</summary>
internal static class BackupCrd
{
    public static string Yaml => CrdFragments.Header("Backup", "backups", "lhb",
        "{description: The snapshot name, jsonPath: .status.snapshotName, name: SnapshotName, type: string}",
        "{description: The snapshot size, jsonPath: .status.size, name: SnapshotSize, type: string}",
        "{description: The snapshot creation time, jsonPath: .status.snapshotCreatedAt, name: SnapshotCreatedAt, type: string}",
        "{description: The backup target name, jsonPath: .status.backupTargetName, name: BackupTarget, type: string}",
        "{description: The backup state, jsonPath: .status.state, name: State, type: string}",
        "{description: The backup last synced time, jsonPath: .status.lastSyncedAt, name: LastSyncedAt, type: string}") + $$"""
                  spec:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                    properties:
                      syncRequestedAt: {type: string, format: date-time, nullable: true}
                      snapshotName: {type: string}
                      labels:
                        {{CrdFragments.StringMap(16)}}
                      backupMode:
                        type: string
                        enum: [full, incremental, ""]
                      backupBlockSize:
                        type: string
                        enum: ["-1", "2097152", "16777216"]
                  status:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
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
                      backupTargetName: {type: string}
        """;
}
