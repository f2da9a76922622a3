namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>engines.longhorn.io, trimmed (longhorn-manager v1beta2 Engine): the simulator keeps one per volume,
/// <c>&lt;volume&gt;-e-0</c>, for the restore progress Longhorn reports only there (<c>status.restoreStatus</c>).</summary>
internal static class EngineCrd
{
    public static string Yaml(LonghornVersion v) => CrdFragments.Header("Engine", "engines", "lhe",
        "{description: The data engine of the engine, jsonPath: .spec.dataEngine, name: Data Engine, type: string}",
        "{description: The current state of the engine, jsonPath: .status.currentState, name: State, type: string}",
        "{description: The node that the engine is on, jsonPath: .spec.nodeID, name: Node, type: string}",
        "{description: The instance manager of the engine, jsonPath: .status.instanceManagerName, name: InstanceManager, type: string}",
        "{description: The current image of the engine, jsonPath: .status.currentImage, name: Image, type: string}",
        "{jsonPath: .metadata.creationTimestamp, name: Age, type: date}") + """
                  spec:
                    type: object
                    properties:
                      volumeName: {type: string}
                      volumeSize: {type: string}
                      dataEngine:
                        type: string
                        enum: [v1, v2]
                      frontend: {type: string}
                      nodeID: {type: string}
                      desireState: {type: string}
                      requestedBackupRestore: {type: string}
                      backupVolume: {type: string}
                  status:
                    type: object
                    properties:
                      ownerID: {type: string}
                      currentState: {type: string}
                      currentSize: {type: string}
                      lastRestoredBackup: {type: string}
                      restoreStatus:
                        type: object
                        nullable: true
                        additionalProperties:
                          type: object
                          properties:
                            isRestoring: {type: boolean}
                            lastRestored: {type: string}
                            currentRestoringBackup: {type: string}
                            progress: {type: integer}
                            error: {type: string}
                            filename: {type: string}
                            state: {type: string}
                            backupURL: {type: string}
        """;
}
