namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>snapshots.longhorn.io, trimmed (longhorn-manager v1beta2 Snapshot).</summary>
internal static class SnapshotCrd
{
    public static string Yaml(LonghornVersion v) => CrdFragments.Header("Snapshot", "snapshots", "lhsnap",
        "{description: The volume that this snapshot belongs to, jsonPath: .spec.volume, name: Volume, type: string}",
        "{description: Timestamp when the point-in-time snapshot was taken, jsonPath: .status.creationTime, name: CreationTime, type: string}",
        "{description: Indicates if the snapshot is ready to be used to restore/backup a volume, jsonPath: .status.readyToUse, name: ReadyToUse, type: boolean}",
        "{description: Represents the minimum size of volume required to rehydrate from this snapshot, jsonPath: .status.restoreSize, name: RestoreSize, type: string}",
        "{description: The actual size of the snapshot, jsonPath: .status.size, name: Size, type: string}",
        "{jsonPath: .metadata.creationTimestamp, name: Age, type: date}") + $$"""
                  spec:
                    type: object
                    required: [volume]
                    properties:
                      volume: {type: string}
                      createSnapshot: {type: boolean}
                      labels:
                        {{CrdFragments.StringMap(16)}}
                  status:
                    type: object
                    properties:
                      ownerID: {type: string}
                      parent: {type: string}
                      children:
                        type: object
                        nullable: true
                        additionalProperties: {type: boolean}
                      markRemoved: {type: boolean}
                      userCreated: {type: boolean}
                      requestedTime: {type: string}
                      creationTime: {type: string}
                      size: {type: integer, format: int64}
                      restoreSize: {type: integer, format: int64}
                      labels:
                        {{CrdFragments.StringMap(16)}}
                      error: {type: string}
                      readyToUse: {type: boolean}
                      checksum: {type: string}
        """;
}
