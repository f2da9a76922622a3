namespace Wild.Backup.Core.Tests.Longhorn;

/// <summary>Longhorn cfg files as Longhorn writes them, with where each came from.</summary>
internal static class CfgFixtures
{
    /// <summary>
    /// The sample backup cfg of Longhorn's documentation page "Backupstore Layout" (the one ../shared/notes/longhorn.md
    /// quotes): an incremental backup of three 2 MiB blocks. Verbatim.
    /// </summary>
    public const string DocumentedBackupCfg =
        """{"Name":"backup-854f6ced7b4942d4","VolumeName":"pvc-0123abcd-test","SnapshotName":"snap-1","SnapshotCreatedAt":"2026-10-05T00:40:38Z","CreatedTime":"2026-10-05T00:40:43Z","Size":"6291456","Labels":{"k":"v"},"Parameters":null,"IsIncremental":true,"CompressionMethod":"lz4","NewlyUploadedDataSize":"2097171","ReUploadedDataSize":"0","ProcessingBlocks":null,"Blocks":[{"Offset":0,"BlockChecksum":"d9cf3e0942c46cf9c43d8f4e152c761bb88b3e8a5d9bb127d16d55f8a7402b50"},{"Offset":2097152,"BlockChecksum":"bb9d1ff59852efbef9cb0f8c7c97052b455a2520a3b91ae2b8f17765d234fc58"},{"Offset":4194304,"BlockChecksum":"4bcaade1b34a396dc3c512d2c3b226c423969eb5093529291ce89ebad285d140"}],"SingleFile":{"FilePath":""}}""";

    /// <summary>
    /// The sample volume.cfg of the same documentation page, verbatim. It comes from a Longhorn newer than the
    /// longhorn/backupstore snapshot read for this project (it has LinkedCloneSource* members after DataEngine);
    /// the reader must keep such members.
    /// </summary>
    public const string DocumentedVolumeCfg =
        """{"Name":"pvc-0123abcd-test","Size":"18874368","Labels":{"k":"v"},"CreatedTime":"2026-10-05T00:40:38Z","LastBackupName":"backup-854f6ced7b4942d4","LastBackupAt":"2026-10-05T00:40:38Z","BlockCount":"4","BackingImageName":"\"\"","BackingImageChecksum":"\"\"","CompressionMethod":"\"lz4\"","StorageClassName":"\"\"","DataEngine":"\"v1\"","LinkedCloneSourceVolume":"\"\"","LinkedCloneSourceSnapshot":"\"\""}""";

    /// <summary>
    /// What Go's encoding/json.Marshal produces for the struct <c>Volume</c> of longhorn/backupstore backupstore.go at
    /// commit ab5179ec9ca081268a8ffd1534dc6214cb2d30a5 (Longhorn v1.8–v1.12): its twelve fields in declaration order,
    /// <c>Size</c>/<c>BlockCount</c> int64 with <c>json:",string"</c> → "18874368", the five string fields tagged
    /// <c>json:",string"</c> (BackingImageName, BackingImageChecksum, CompressionMethod, StorageClassName, DataEngine)
    /// JSON-encoded twice → "\"lz4\"", Name/CreatedTime/LastBackup* plain. Written out by hand from those rules and
    /// identical to <see cref="DocumentedVolumeCfg"/> minus the two members that struct lacks.
    /// </summary>
    public const string GoVolumeCfg =
        """{"Name":"pvc-0123abcd-test","Size":"18874368","Labels":{"k":"v"},"CreatedTime":"2026-10-05T00:40:38Z","LastBackupName":"backup-854f6ced7b4942d4","LastBackupAt":"2026-10-05T00:40:38Z","BlockCount":"4","BackingImageName":"\"\"","BackingImageChecksum":"\"\"","CompressionMethod":"\"lz4\"","StorageClassName":"\"\"","DataEngine":"\"v1\""}""";

    /// <summary>A backup cfg from longhorn/backupstore list_inspect_test.go (TestInspectBackup): partial, "Size" given twice.</summary>
    public const string BackupstoreTestBackupCfg =
        """{"Name":"backup-1","VolumeName":"pvc-1","Size":"115343360","SnapshotName":"1eb35e75-73d8-4e8c-9761-3df6ec35ba9a","SnapshotCreatedAt":"2021-06-07T08:57:23Z","CreatedTime":"2021-06-07T08:57:25Z","Size":"115343360"}""";

    /// <summary>A volume.cfg from longhorn/backupstore list_inspect_test.go (TestInspectVolume): written before the string-tagged fields existed.</summary>
    public const string BackupstoreTestVolumeCfg =
        """{"Name":"pvc-1","Size":"2147483648","CreatedTime":"2021-05-12T00:52:01Z","LastBackupName":"backup-3","LastBackupAt":"2021-05-17T05:31:01Z"}""";
}
