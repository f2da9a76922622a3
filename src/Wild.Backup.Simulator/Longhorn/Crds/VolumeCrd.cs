namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>volumes.longhorn.io for one Longhorn version: every spec field of longhorn-manager's v1beta2 VolumeSpec at
/// that release (k8s/pkg/apis/longhorn/v1beta2/volume.go; k8s/crds.yaml) with its enums, and the status fields the
/// simulator reports. No <c>x-kubernetes-preserve-unknown-fields</c>, as in Longhorn: an unknown or misspelt field is
/// dropped by the API server.</summary>
internal static class VolumeCrd
{
    public static string Yaml(LonghornVersion v) => CrdFragments.Header("Volume", "volumes", "lhv",
        "{description: The data engine of the volume, jsonPath: .spec.dataEngine, name: Data Engine, type: string}",
        "{description: The state of the volume, jsonPath: .status.state, name: State, type: string}",
        "{description: The robustness of the volume, jsonPath: .status.robustness, name: Robustness, type: string}",
        "{description: The size of the volume, jsonPath: .spec.size, name: Size, type: string}",
        "{description: The node that the volume is currently attaching to, jsonPath: .status.currentNodeID, name: Node, type: string}",
        "{jsonPath: .metadata.creationTimestamp, name: Age, type: date}") + $$"""
                  spec:
                    type: object
                    properties:
                      Standby: {type: boolean}
                      accessMode: {type: string, enum: [rwo, rwx]}
        {{CrdFragments.If(v.Minor <= 8, "              backendStoreDriver: {type: string}")}}
                      backingImage: {type: string}
                      backupCompressionMethod: {type: string, enum: [none, lz4, gzip]}
        {{CrdFragments.If(v.HasBackupBlockSize, "              backupBlockSize: {type: string, enum: [\"2097152\", \"16777216\"]}")}}
        {{CrdFragments.If(v.HasBackupTargetName, "              backupTargetName: {type: string}")}}
        {{CrdFragments.If(v.Minor >= 10, "              cloneMode: {type: string, enum: [\"\", full-copy, linked-clone]}")}}
                      dataEngine: {type: string, enum: [v1, v2]}
                      dataLocality: {type: string, enum: [disabled, best-effort, strict-local]}
                      dataSource: {type: string}
                      disableFrontend: {type: boolean}
                      diskSelector: {type: array, items: {type: string} }
                      encrypted: {type: boolean}
        {{CrdFragments.If(v.Minor <= 8, "              engineImage: {type: string}")}}
                      freezeFilesystemForSnapshot: {type: string, enum: [ignored, enabled, disabled]}
                      fromBackup: {type: string}
                      frontend: {type: string, enum: [blockdev, iscsi, nvmf, {{(v.HasUblkFrontend ? "ublk, " : "")}}""]}
                      image: {type: string}
                      lastAttachedBy: {type: string}
                      migratable: {type: boolean}
                      migrationNodeID: {type: string}
                      nodeID: {type: string}
                      nodeSelector: {type: array, items: {type: string} }
                      numberOfReplicas: {type: integer}
        {{CrdFragments.If(v.Minor >= 9, "              offlineRebuilding: {type: string, enum: [ignored, disabled, enabled]}")}}
                      replicaAutoBalance: {type: string, enum: [ignored, disabled, least-effort, best-effort]}
                      replicaDiskSoftAntiAffinity: {type: string, enum: [ignored, enabled, disabled]}
        {{CrdFragments.If(v.Minor >= 10, "              replicaRebuildingBandwidthLimit: {type: integer}")}}
                      replicaSoftAntiAffinity: {type: string, enum: [ignored, enabled, disabled]}
                      replicaZoneSoftAntiAffinity: {type: string, enum: [ignored, enabled, disabled]}
                      restoreVolumeRecurringJob: {type: string, enum: [ignored, enabled, disabled]}
                      revisionCounterDisabled: {type: boolean}
                      size: {type: string}
                      snapshotDataIntegrity: {type: string, enum: [ignored, disabled, enabled, fast-check]}
                      snapshotMaxCount: {type: integer}
                      snapshotMaxSize: {type: string}
                      staleReplicaTimeout: {type: integer}
                      unmapMarkSnapChainRemoved: {type: string, enum: [ignored, disabled, enabled]}
                  status:
                    type: object
                    properties:
                      ownerID: {type: string}
                      state: {type: string}
                      robustness: {type: string}
                      currentNodeID: {type: string}
                      currentImage: {type: string}
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
