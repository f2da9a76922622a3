using System.Collections.Concurrent;
using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Core.Images;

/// <summary>What an image export wrote.</summary>
public sealed record ImageExportResult
{
    public required ImageFormat Format { get; init; }
    public required string VolumeName { get; init; }
    public required string BackupName { get; init; }
    /// <summary>The disk's size in bytes (volume.cfg <c>Size</c>).</summary>
    public required long VolumeSize { get; init; }
    public required long BlockSize { get; init; }
    /// <summary>The image file's length.</summary>
    public required long FileLength { get; init; }
    /// <summary>Blocks in the backup's map, all read and verified.</summary>
    public required int Blocks { get; init; }
    /// <summary>Of those, blocks of zeros: left unallocated like the ranges the map does not list.</summary>
    public required int ZeroBlocks { get; init; }
}

/// <summary>
/// A Longhorn backup as a disk image, straight from the block store (a directory or an <c>nfs://</c> share read by the
/// product's own client: no Longhorn, no cluster, no mount). The block map says up front which blocks hold data, so the
/// image is laid out before any block is read and written front to back in one pass (<see cref="VolumeImageWriter"/>).
/// Every block is read, decompressed and checked against its SHA-512 checksum, a few ahead in parallel; a missing or
/// damaged one fails the export naming the block, so an image is never silently wrong. Blocks of zeros (recognised by
/// their checksum) and ranges without blocks stay unallocated.
/// </summary>
public static class LonghornImageExport
{
    /// <summary>Blocks read and verified ahead of the writer: enough to keep two cores busy, bounded memory
    /// (each in flight holds its stored and its decompressed block).</summary>
    public static readonly int ReadAhead = Math.Clamp(Environment.ProcessorCount, 2, 4);

    private static readonly ConcurrentDictionary<long, string> ZeroChecksums = new();

    /// <summary>The checksum Longhorn gives a block of <paramref name="blockSize"/> zero bytes.</summary>
    public static string ZeroBlockChecksum(long blockSize) =>
        ZeroChecksums.GetOrAdd(blockSize, size => BlockChecksum.Of(new byte[size]));

    /// <summary>The image's allocated extents: every listed block except blocks of zeros.</summary>
    public static IReadOnlyList<ImageExtent> Extents(BlockMap map)
    {
        var zero = ZeroBlockChecksum(map.BlockSize);
        return map.Blocks.Where(b => b.BlockChecksum != zero).Select(b => new ImageExtent(b.Offset, map.BlockSize)).ToList();
    }

    /// <summary>The length the image of <paramref name="map"/> will have (for space checks and records).</summary>
    public static long FileLength(BlockMap map, ImageFormat format) =>
        format == ImageFormat.Raw ? map.VolumeSize : new Qcow2Layout(map.VolumeSize, Extents(map)).FileLength;

    /// <summary>
    /// Writes the image of <paramref name="map"/> to <paramref name="output"/> (written front to back). Reports the
    /// bytes of blocks done as increments. Throws CorruptBackupException naming a missing or damaged block.
    /// </summary>
    public static async Task<ImageExportResult> WriteAsync(BlockStoreReader reader, BlockMap map, ImageFormat format, Stream output,
        Action<long>? progress, CancellationToken ct)
    {
        var zero = ZeroBlockChecksum(map.BlockSize);
        var writer = new VolumeImageWriter(format, map.VolumeSize, Extents(map), output);
        await writer.BeginAsync(ct).ConfigureAwait(false);
        var zeroBlocks = 0;
        await foreach (var block in reader.ReadBlocksAsync(map, ReadAhead, ct).ConfigureAwait(false))
        {
            if (block.Checksum == zero) zeroBlocks++;
            else await writer.WriteAsync(block.Data, ct).ConfigureAwait(false);
            progress?.Invoke(block.Data.Length);
        }
        await writer.CompleteAsync(ct).ConfigureAwait(false);
        return new ImageExportResult
        {
            Format = format,
            VolumeName = map.VolumeName,
            BackupName = map.BackupName,
            VolumeSize = map.VolumeSize,
            BlockSize = map.BlockSize,
            FileLength = writer.FileLength,
            Blocks = map.Blocks.Count,
            ZeroBlocks = zeroBlocks,
        };
    }
}
