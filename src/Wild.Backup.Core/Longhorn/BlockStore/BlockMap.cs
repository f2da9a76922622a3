using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// A completed backup's block map, checked: offsets strictly increasing multiples of the block size inside the
/// volume, checksums well formed. What a restore or a conversion walks, in offset order; offsets not listed are holes.
/// </summary>
public sealed record BlockMap
{
    public required string VolumeName { get; init; }
    public required string BackupName { get; init; }
    public required long VolumeSize { get; init; }
    public required long BlockSize { get; init; }
    public required string CompressionMethod { get; init; }
    public required IReadOnlyList<BlockMapping> Blocks { get; init; }

    /// <summary>Bytes of data the map covers (blocks × block size); the rest of the volume is holes.</summary>
    public long DataSize => Blocks.Count * BlockSize;

    /// <summary>Checks <paramref name="backup"/> against the volume size from volume.cfg.</summary>
    public static BlockMap From(BackupConfig backup, long volumeSize, string cfgPath)
    {
        if (backup.IsInProgress)
            throw new ConflictException("LonghornBackupInProgress", $"Longhorn backup '{backup.Name}' is still in progress (or failed); it cannot be read yet.") { Target = backup.Name };
        var blockSize = backup.BlockSize;
        if (blockSize <= 0 || blockSize > int.MaxValue)
            throw Corrupt(backup, cfgPath, $"block size {blockSize} is out of range");
        // As Longhorn's restore (longhorn/backupstore deltablock.go, RestoreDeltaBlockBackup: "read invalid volume size"
        // for a size of 0 or not a multiple of the block size): such a volume cannot have come from Longhorn.
        if (volumeSize <= 0 || volumeSize % blockSize != 0)
            throw Corrupt(backup, cfgPath, $"volume size {volumeSize} is not a positive multiple of the block size {blockSize}");
        long previous = -1;
        foreach (var b in backup.Blocks)
        {
            if (!BlockChecksum.IsValid(b.BlockChecksum)) throw Corrupt(backup, cfgPath, $"block at offset {b.Offset} has a malformed checksum '{b.BlockChecksum}'");
            if (b.Offset < 0 || b.Offset % blockSize != 0) throw Corrupt(backup, cfgPath, $"block offset {b.Offset} is not a multiple of the block size {blockSize}");
            if (b.Offset >= volumeSize) throw Corrupt(backup, cfgPath, $"block offset {b.Offset} lies beyond the volume size {volumeSize}");
            if (b.Offset <= previous) throw Corrupt(backup, cfgPath, $"block offsets are not strictly increasing at {b.Offset}");
            previous = b.Offset;
        }
        return new BlockMap
        {
            VolumeName = backup.VolumeName,
            BackupName = backup.Name,
            VolumeSize = volumeSize,
            BlockSize = blockSize,
            CompressionMethod = backup.EffectiveCompressionMethod,
            Blocks = backup.Blocks,
        };
    }

    private static CorruptBackupException Corrupt(BackupConfig backup, string path, string why) =>
        new("LonghornBadBlockMap", $"Longhorn backup '{backup.Name}' of volume '{backup.VolumeName}' has a broken block map: {why}.", path) { Target = path };
}
