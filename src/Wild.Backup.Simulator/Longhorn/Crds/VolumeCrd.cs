namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>volumes.longhorn.io, trimmed to the fields the product and the simulator use (longhorn-manager v1beta2 Volume).</summary>
internal static class VolumeCrd
{
    public static string Yaml => CrdFragments.Header("Volume", "volumes", "lhv",
        "{description: The data engine of the volume, jsonPath: .spec.dataEngine, name: Data Engine, type: string}",
        "{description: The state of the volume, jsonPath: .status.state, name: State, type: string}",
        "{description: The robustness of the volume, jsonPath: .status.robustness, name: Robustness, type: string}",
        "{description: The size of the volume, jsonPath: .spec.size, name: Size, type: string}",
        "{description: The node that the volume is currently attaching to, jsonPath: .status.currentNodeID, name: Node, type: string}",
        "{jsonPath: .metadata.creationTimestamp, name: Age, type: date}") + $$"""
                  spec:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                    properties:
                      size: {type: string}
                      frontend:
                        type: string
                        enum: [blockdev, iscsi, nvmf, ublk, ""]
                      fromBackup: {type: string}
                      dataSource: {type: string}
                      numberOfReplicas: {type: integer}
                      dataLocality:
                        type: string
                        enum: [disabled, best-effort, strict-local]
                      accessMode:
                        type: string
                        enum: [rwo, rwop, rwx]
                      migratable: {type: boolean}
                      encrypted: {type: boolean}
                      Standby: {type: boolean}
                      staleReplicaTimeout: {type: integer}
                      backingImage: {type: string}
                      backupCompressionMethod:
                        type: string
                        enum: [none, lz4, gzip]
                      backupBlockSize:
                        type: string
                        enum: ["2097152", "16777216"]
                      backupTargetName: {type: string}
                      dataEngine:
                        type: string
                        enum: [v1, v2]
                      nodeID: {type: string}
                      restoreVolumeRecurringJob:
                        type: string
                        enum: [ignored, enabled, disabled]
                  status:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                    properties:
                      ownerID: {type: string}
                      state: {type: string}
                      robustness: {type: string}
                      currentNodeID: {type: string}
                      conditions:
                        {{CrdFragments.Conditions(16)}}
                      kubernetesStatus:
                        type: object
                        properties:
                          namespace: {type: string}
                          pvName: {type: string}
                          pvStatus: {type: string}
                          pvcName: {type: string}
                          lastPVCRefAt: {type: string}
                          lastPodRefAt: {type: string}
                          workloadsStatus:
                            type: array
                            nullable: true
                            items:
                              type: object
                              properties:
                                podName: {type: string}
                                podStatus: {type: string}
                                workloadName: {type: string}
                                workloadType: {type: string}
                      lastBackup: {type: string}
                      lastBackupAt: {type: string}
                      restoreRequired: {type: boolean}
                      restoreInitiated: {type: boolean}
                      isStandby: {type: boolean}
                      actualSize: {type: integer, format: int64}
                      expansionRequired: {type: boolean}
                      frontendDisabled: {type: boolean}
        """;
}
