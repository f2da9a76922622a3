namespace Wild.Backup.Simulator.Longhorn.Crds;

/// <summary>backuptargets.longhorn.io, trimmed (longhorn-manager v1beta2 BackupTarget; since v1.8 it replaces the
/// backup-target Setting). The product uses the one named <c>default</c>.</summary>
internal static class BackupTargetCrd
{
    public static string Yaml(LonghornVersion v) => CrdFragments.Header("BackupTarget", "backuptargets", "lhbt",
        "{description: The backup target URL, jsonPath: .spec.backupTargetURL, name: URL, type: string}",
        "{description: The backup target credential secret, jsonPath: .spec.credentialSecret, name: Credential, type: string}",
        "{description: The backup target poll interval, jsonPath: .spec.pollInterval, name: LastBackupAt, type: string}",
        "{description: Indicate whether the backup target is available or not, jsonPath: .status.available, name: Available, type: boolean}",
        "{description: The backup target last synced time, jsonPath: .status.lastSyncedAt, name: LastSyncedAt, type: string}") + $$"""
                  spec:
                    type: object
                    properties:
                      backupTargetURL: {type: string}
                      credentialSecret: {type: string}
                      pollInterval: {type: string}
                      syncRequestedAt: {type: string, format: date-time, nullable: true}
                  status:
                    type: object
                    properties:
                      ownerID: {type: string}
                      available: {type: boolean}
                      conditions:
                        {{CrdFragments.Conditions(16)}}
                      lastSyncedAt: {type: string, format: date-time, nullable: true}
        """;
}
