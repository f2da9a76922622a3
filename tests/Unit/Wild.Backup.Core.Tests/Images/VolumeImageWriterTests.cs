using Wild.Backup.Core.Images;
using Wild.Backup.Core.Storage;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Images;

/// <summary>Images written front to back from extents, judged by qemu-img against a raw file of the same content.</summary>
public sealed class VolumeImageWriterTests
{
    private const long MiB = 1024 * 1024;
    private static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>Writes an image of <paramref name="size"/> with <paramref name="extents"/> filled with seeded random bytes
    /// (optionally with runs of zeros inside), and the raw reference the same content makes; returns both paths.</summary>
    private static async Task<(string Image, string Reference, VolumeImageWriter Writer)> WriteAsync(TempDir dir, ImageFormat format, long size,
        IReadOnlyList<ImageExtent> extents, int chunk = 1 << 20)
    {
        var image = dir.Combine("disk" + ImageFormats.Extension(format));
        var reference = dir.Combine("reference.raw");
        await using var refFile = new FileStream(reference, FileMode.CreateNew, FileAccess.ReadWrite);
        refFile.SetLength(size);
        // Through a store's stream, as the product writes (it leaves holes: ISparseWriteStream).
        await using var store = new LocalDirectoryStore(dir.Path);
        await using var output = await store.CreateFileAsync(Path.GetFileName(image), CreateOptions.ExclusiveNew, Ct);
        var writer = new VolumeImageWriter(format, size, extents, output);
        await writer.BeginAsync(Ct);
        foreach (var e in extents)
        {
            var data = new byte[e.Length];
            new Random((int)(e.Offset / 4096)).NextBytes(data);
            data.AsSpan(0, (int)Math.Min(data.Length, 70_000)).Clear(); // zeros inside allocated data stay data
            refFile.Position = e.Offset;
            await refFile.WriteAsync(data, Ct);
            for (var at = 0; at < data.Length; at += chunk) await writer.WriteAsync(data.AsMemory(at, Math.Min(chunk, data.Length - at)), Ct);
        }
        await writer.CompleteAsync(Ct);
        return (image, reference, writer);
    }

    public static TheoryData<string, long, long[]> Disks => new()
    {
        // name, disk size, extents as offset,length pairs
        { "small, one block", 6 * MiB, [2 * MiB, 2 * MiB] },
        { "first and last block", 10 * MiB, [0, 2 * MiB, 8 * MiB, 2 * MiB] },
        { "no data at all", 4 * MiB, [] },
        { "size not a multiple of the block or cluster size", 5 * MiB + 12 * 1024, [0, 2 * MiB, 4 * MiB, MiB + 12 * 1024] },
        { "size not a multiple of 2 MiB, data in the middle", 7 * MiB + 512, [2 * MiB, 3 * MiB] },
        { "extents across the 512 MiB an L2 table maps", 1300 * MiB, [0, 2 * MiB, 510 * MiB, 4 * MiB, 1298 * MiB, 2 * MiB] },
        { "16 MiB blocks", 48 * MiB, [16 * MiB, 16 * MiB] },
    };

    [Theory]
    [MemberData(nameof(Disks))]
    public async Task A_qcow2_image_passes_qemu_img_check_and_reads_as_the_disk(string name, long size, long[] pairs)
    {
        Assert.NotEmpty(name);
        using var dir = new TempDir("wildbackup-img-");
        var extents = Enumerable.Range(0, pairs.Length / 2).Select(i => new ImageExtent(pairs[2 * i], pairs[2 * i + 1])).ToList();
        var (image, reference, writer) = await WriteAsync(dir, ImageFormat.Qcow2, size, extents, chunk: 700_001);
        Assert.Equal(writer.FileLength, new FileInfo(image).Length);
        await QemuImg.AssertQcow2EqualsAsync(image, reference, size);
        // Only the extents take data clusters: the file is its metadata plus the extents, rounded to clusters.
        var data = extents.Sum(e => (e.Length + 65535) / 65536 * 65536);
        Assert.InRange(writer.FileLength - data, 4 * 65536, 8 * 65536);
    }

    [Theory]
    [MemberData(nameof(Disks))]
    public async Task A_raw_image_is_byte_identical_and_leaves_holes_sparse(string name, long size, long[] pairs)
    {
        Assert.NotEmpty(name);
        using var dir = new TempDir("wildbackup-img-");
        var extents = Enumerable.Range(0, pairs.Length / 2).Select(i => new ImageExtent(pairs[2 * i], pairs[2 * i + 1])).ToList();
        var (image, reference, _) = await WriteAsync(dir, ImageFormat.Raw, size, extents);
        Assert.Equal(size, new FileInfo(image).Length);
        await QemuImg.CompareAsync(image, "raw", reference);
        // Only the extents (and the last page, which sets the length) take space.
        var data = extents.Sum(e => e.Length);
        Assert.InRange(Wild.Backup.Core.Tests.Support.FileAllocation.Of(image), 0, data + 2 * 65536);
    }

    [Fact]
    public async Task Refcount_and_l1_tables_spanning_several_clusters_stay_consistent()
    {
        // 512-byte clusters: one refcount block covers 2048 clusters and one L2 table 32 KiB of disk, so a few MiB
        // need several refcount blocks, L1 clusters and refcount-table clusters.
        using var dir = new TempDir("wildbackup-img-");
        var size = 24 * MiB + 4096;
        var extents = new List<ImageExtent>();
        for (long at = 0; at < size; at += 3 * MiB) extents.Add(new ImageExtent(at, Math.Min(MiB + 512, size - at)));
        var layout = new Qcow2Layout(size, extents, clusterBits: 9);
        Assert.True(layout.RefcountBlocks > 1 && layout.L1Clusters > 1 && layout.RefcountTableClusters > 1,
            $"blocks {layout.RefcountBlocks}, L1 {layout.L1Clusters}, table {layout.RefcountTableClusters}");
        var image = dir.Combine("small-clusters.qcow2");
        var reference = dir.Combine("reference.raw");
        await using (var refFile = new FileStream(reference, FileMode.CreateNew, FileAccess.ReadWrite))
        await using (var output = new FileStream(image, FileMode.CreateNew, FileAccess.Write))
        {
            refFile.SetLength(size);
            await layout.WriteMetadataAsync(output, Ct);
            foreach (var e in extents)
            {
                var data = new byte[(e.Length + 511) / 512 * 512];
                new Random((int)e.Offset).NextBytes(data.AsSpan(0, (int)e.Length));
                refFile.Position = e.Offset;
                await refFile.WriteAsync(data.AsMemory(0, (int)e.Length), Ct);
                await output.WriteAsync(data, Ct);
            }
        }
        Assert.Equal(layout.FileLength, new FileInfo(image).Length);
        await QemuImg.AssertQcow2EqualsAsync(image, reference, size);
    }

    [Fact]
    public async Task Extents_out_of_order_misaligned_or_outside_the_disk_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new Qcow2Layout(8 * MiB, [new(2 * MiB, MiB), new(0, MiB)]));
        Assert.Throws<ArgumentException>(() => new Qcow2Layout(8 * MiB, [new(4096, MiB)]));
        Assert.Throws<ArgumentException>(() => new Qcow2Layout(8 * MiB, [new(7 * MiB, 2 * MiB)]));
        Assert.Throws<ArgumentException>(() => new Qcow2Layout(8 * MiB, [new(0, MiB + 1)]));
        using var dir = new TempDir("wildbackup-img-");
        await using var output = new FileStream(dir.Combine("x.qcow2"), FileMode.CreateNew, FileAccess.Write);
        var writer = new VolumeImageWriter(ImageFormat.Qcow2, 4 * MiB, [new(0, MiB)], output);
        await writer.BeginAsync(Ct);
        await writer.WriteAsync(new byte[MiB / 2], Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(Ct));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(new byte[MiB], Ct));
    }
}
