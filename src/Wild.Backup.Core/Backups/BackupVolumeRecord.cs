namespace Wild.Backup.Core.Backups;

/// <summary>
/// One of an app's persistent volume claims, as backed up by Longhorn (backup.json <c>volumes</c>): the claim, the
/// Longhorn volume behind it, and the Longhorn Backup holding its data on the backup target. Restoring creates a
/// Longhorn Volume from <see cref="BackupUrl"/> with exactly <see cref="SizeBytes"/>, then a PV and a claim bound to it.
/// </summary>
public sealed record BackupVolumeRecord
{
    /// <summary>The claim's name (e.g. <c>gitea-data</c>, or <c>data-postgres-0</c> for a StatefulSet's).</summary>
    public required string Pvc { get; init; }
    /// <summary>The claim's namespace when backed up.</summary>
    public string? Namespace { get; init; }
    /// <summary>The Longhorn volume's exact size in bytes (the Backup's <c>volumeSize</c>).</summary>
    public required long SizeBytes { get; init; }
    /// <summary>The claim's requested storage (<c>10Gi</c>).</summary>
    public string? Request { get; init; }
    public string? StorageClass { get; init; }
    public IReadOnlyList<string> AccessModes { get; init; } = [];
    /// <summary><c>Filesystem</c> or <c>Block</c>.</summary>
    public string? VolumeMode { get; init; }
    /// <summary>The filesystem of the PV (<c>csi.fsType</c>), ext4 by default.</summary>
    public string? FsType { get; init; }
    /// <summary>The Longhorn volume the claim was bound to.</summary>
    public required string VolumeName { get; init; }
    /// <summary>The Longhorn Backup object's name (in longhorn-system).</summary>
    public required string LonghornBackup { get; init; }
    /// <summary>Longhorn's backup URL: <c>{target}?backup={name}&amp;volume={volume}</c>.</summary>
    public required string BackupUrl { get; init; }
    /// <summary>The Longhorn Snapshot the backup was taken from (kept for the next incremental backup).</summary>
    public string? SnapshotName { get; init; }
    /// <summary>Bytes of the backup in the block store (Longhorn's <c>size</c>).</summary>
    public long? BackupBytes { get; init; }
    /// <summary>Bytes uploaded by this backup (Longhorn's <c>newlyUploadDataSize</c>); the rest was already in the store.</summary>
    public long? UploadedBytes { get; init; }
    public DateTimeOffset? BackedUpAt { get; init; }
    /// <summary>The Longhorn volume was encrypted (LUKS): its restore must be encrypted too, with the same passphrase secret
    /// (<see cref="CsiSecretRefs"/>), or the data cannot be mounted.</summary>
    public bool Encrypted { get; init; }
    /// <summary>The volume's <c>spec.dataEngine</c> (<c>v1</c>, <c>v2</c>).</summary>
    public string? DataEngine { get; init; }
    public int? NumberOfReplicas { get; init; }
    /// <summary>The volume's <c>spec.dataLocality</c> (<c>disabled</c>, <c>best-effort</c>, <c>strict-local</c>).</summary>
    public string? DataLocality { get; init; }
    /// <summary>The volume's <c>spec.backupBlockSize</c> in bytes (Longhorn 1.10 and later; null before).</summary>
    public long? BackupBlockSize { get; init; }
    /// <summary>The Longhorn backup target the backup went to (<c>spec.backupTargetName</c>; null on Longhorn 1.7).</summary>
    public string? BackupTargetName { get; init; }
    /// <summary>The claim's PersistentVolume's CSI secret references (<c>nodeStageSecretRef</c>, <c>nodePublishSecretRef</c>,
    /// …), by field: names only, never the secrets. An encrypted volume's passphrase is in them.</summary>
    public IReadOnlyDictionary<string, CsiSecretReference>? CsiSecretRefs { get; init; }
    /// <summary>True when this entry was carried over from the previous backup because the cluster could not be reached:
    /// the data is as of <see cref="BackedUpAt"/>, older than the backup's configuration.</summary>
    public bool CarriedOver { get; init; }
    /// <summary>A portable image of the volume in this backup (<c>volumes/{pvc}.qcow2</c>), when one was exported; its size
    /// and SHA-256 are in the backup's <c>files</c> like every file's.</summary>
    public BackupImageRecord? Image { get; init; }
}

/// <summary>A disk image of a volume, written from Longhorn's block store (see <c>Images/LonghornImageExport</c>).</summary>
public sealed record BackupImageRecord
{
    /// <summary>The file inside the backup: <c>volumes/{pvc}.qcow2</c>.</summary>
    public required string File { get; init; }
    /// <summary><c>qcow2</c> or <c>raw</c>.</summary>
    public required string Format { get; init; }
    /// <summary>The disk's size in bytes (what <c>qemu-img info</c> calls the virtual size).</summary>
    public required long VirtualSize { get; init; }
    /// <summary>The Longhorn Backup the image was made from.</summary>
    public required string LonghornBackup { get; init; }
    public DateTimeOffset? ExportedAt { get; init; }
}

/// <summary>A PersistentVolume's reference to a Secret (<c>spec.csi.nodeStageSecretRef</c> and the like).</summary>
public sealed record CsiSecretReference(string Name, string Namespace);

/// <summary>
/// A Longhorn Backup this backup superseded, to be deleted; recorded in backup.json until a later run confirms it is gone
/// (Longhorn keeps its data in the store until then): the next backup and <c>Test-WildBackup</c> retry it.
/// </summary>
public sealed record PendingLonghornDeletion
{
    /// <summary>The Longhorn Backup object's name.</summary>
    public required string LonghornBackup { get; init; }
    /// <summary>The claim it was a backup of.</summary>
    public required string Pvc { get; init; }
    /// <summary>The Longhorn volume it was a backup of (its backup volume in the store).</summary>
    public required string VolumeName { get; init; }
    /// <summary>Its backup URL (names the target).</summary>
    public string? BackupUrl { get; init; }
    /// <summary>The Longhorn backup target (null on Longhorn 1.7: the one target).</summary>
    public string? BackupTargetName { get; init; }
    /// <summary>Its Snapshot, deleted with it unless a newer backup uses it.</summary>
    public string? SnapshotName { get; init; }
}
