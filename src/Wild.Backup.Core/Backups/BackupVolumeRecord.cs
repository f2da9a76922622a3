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
