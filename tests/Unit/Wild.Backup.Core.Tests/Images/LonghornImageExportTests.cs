using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Images;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Images.Support;
using Wild.Backup.Core.Tests.Nfs.Support;
using Wild.Backup.Simulator.Nfs;
using Xunit;
using static Wild.Backup.Core.Tests.Images.Support.SimulatedBackups;

namespace Wild.Backup.Core.Tests.Images;

/// <summary>
/// Longhorn backups exported to qcow2 and raw straight from the block store, each judged by qemu-img against the raw
/// volume the simulator restores from the same backup, and against the volume as it was written.
/// </summary>
public sealed class LonghornImageExportTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>The volumes: size, block size, compression, and what is written before the backup.</summary>
    public static TheoryData<string> Volumes => new()
    {
        "random, lz4", "sparse, gzip", "all zeros, none", "16 MiB blocks, lz4", "16 MiB blocks, gzip, partly written",
        "34 MiB, none", "514 MiB across an L2 table, lz4",
    };

    private static async Task<(string Volume, long Size)> MakeAsync(SimulatedBackups sim, string name)
    {
        const string v = "pvc-export";
        switch (name)
        {
            case "random, lz4":
                await sim.CreateVolumeAsync(v, 10 * MiB, "lz4");
                await sim.WriteAsync(v, 0, Random((int)(10 * MiB), 1));
                return (v, 10 * MiB);
            case "sparse, gzip":
                await sim.CreateVolumeAsync(v, 40 * MiB, "gzip");
                await sim.WriteAsync(v, 4096, Random(4096, 2)); // a few KiB in a block: the rest of it is zeros
                await sim.WriteAsync(v, 13 * MiB + 100, Random((int)(3 * MiB), 3));
                await sim.WriteAsync(v, 40 * MiB - 512, Random(512, 4));
                return (v, 40 * MiB);
            case "all zeros, none":
                await sim.CreateVolumeAsync(v, 8 * MiB, "none");
                await sim.WriteAsync(v, 0, new byte[8 * MiB]); // written, so backed up: blocks of zeros
                return (v, 8 * MiB);
            case "16 MiB blocks, lz4":
                await sim.CreateVolumeAsync(v, 48 * MiB, "lz4", blockSize: 16 * MiB);
                await sim.WriteAsync(v, 16 * MiB, Random((int)(16 * MiB), 5));
                await sim.WriteAsync(v, 47 * MiB, Random(1000, 6));
                return (v, 48 * MiB);
            case "16 MiB blocks, gzip, partly written":
                await sim.CreateVolumeAsync(v, 32 * MiB, "gzip", blockSize: 16 * MiB);
                await sim.WriteAsync(v, 3 * MiB, Random((int)MiB, 7));
                return (v, 32 * MiB);
            case "34 MiB, none":
                await sim.CreateVolumeAsync(v, 34 * MiB, "none");
                await sim.WriteAsync(v, 33 * MiB, Random((int)MiB, 8));
                await sim.WriteAsync(v, 2 * MiB, Random(77, 9));
                return (v, 34 * MiB);
            case "514 MiB across an L2 table, lz4":
                await sim.CreateVolumeAsync(v, 514 * MiB, "lz4");
                await sim.WriteAsync(v, 0, Random((int)MiB, 10));
                await sim.WriteAsync(v, 511 * MiB, Random((int)(2 * MiB), 11)); // the block across 512 MiB
                await sim.WriteAsync(v, 513 * MiB, Random((int)MiB, 12));
                return (v, 514 * MiB);
            default:
                throw new ArgumentException(name);
        }
    }

    /// <summary>A volume of <paramref name="sizeMiB"/> full of seeded random data, backed up as backup-1; its block map.</summary>
    private static async Task<BlockMap> BackedUpAsync(SimulatedBackups sim, string volume, int sizeMiB, string method, int seed)
    {
        await sim.CreateVolumeAsync(volume, sizeMiB * MiB, method);
        await sim.WriteAsync(volume, 0, Random((int)(sizeMiB * MiB), seed));
        await sim.BackupAsync(volume, "backup-1");
        return await sim.Reader.ReadBlockMapAsync(volume, "backup-1", Ct);
    }

    private static async Task<ImageExportResult> ExportAsync(BlockStoreReader reader, string volume, string backup, ImageFormat format, string path)
    {
        var map = await reader.ReadBlockMapAsync(volume, backup, Ct);
        await using var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        return await LonghornImageExport.WriteAsync(reader, map, format, output, null, Ct);
    }

    [Theory]
    [MemberData(nameof(Volumes))]
    public async Task The_qcow2_and_raw_images_equal_the_simulators_restore_and_the_volume(string name)
    {
        await using var sim = new SimulatedBackups();
        var (volume, size) = await MakeAsync(sim, name);
        var written = sim.Scratch("as-written.raw");
        File.Copy(sim.Plane.GetVolumeDataPath(volume), written);
        await sim.BackupAsync(volume, "backup-1");
        var restored = await sim.RestoreAsync(volume, "backup-1");

        var qcow2 = sim.Scratch("image.qcow2");
        var result = await ExportAsync(sim.Reader, volume, "backup-1", ImageFormat.Qcow2, qcow2);
        Assert.Equal(result.FileLength, new FileInfo(qcow2).Length);
        await QemuImg.AssertQcow2EqualsAsync(qcow2, restored, size);
        await QemuImg.CompareAsync(qcow2, "qcow2", written);

        var raw = sim.Scratch("image.raw");
        await ExportAsync(sim.Reader, volume, "backup-1", ImageFormat.Raw, raw);
        Assert.Equal(size, new FileInfo(raw).Length);
        await QemuImg.CompareAsync(raw, "raw", restored);

        if (name.StartsWith("all zeros", StringComparison.Ordinal))
        {
            Assert.Equal(result.Blocks, result.ZeroBlocks);
            Assert.Equal(new Qcow2Layout(size, []).FileLength, result.FileLength); // nothing allocated
        }
        else
        {
            // Allocated: the blocks the backup holds, nothing else.
            Assert.Equal(0, result.ZeroBlocks);
            var map = await sim.Reader.ReadBlockMapAsync(volume, "backup-1", Ct);
            Assert.Equal(new Qcow2Layout(size, LonghornImageExport.Extents(map)).FileLength, result.FileLength);
            Assert.True(result.FileLength <= map.DataSize + 8 * 65536, $"{result.FileLength} bytes for {map.DataSize} of data");
        }
    }

    [Fact]
    public async Task One_byte_changed_between_two_incremental_backups_shows_in_the_second_image_only()
    {
        await using var sim = new SimulatedBackups();
        const string v = "pvc-incr";
        await sim.CreateVolumeAsync(v, 12 * MiB, "lz4");
        await sim.WriteAsync(v, 0, Random((int)(12 * MiB), 20));
        await sim.BackupAsync(v, "backup-1");
        const long at = 5 * MiB + 7;
        var before = new byte[1];
        await sim.Plane.ReadAsync(v, at, before, Ct);
        await sim.WriteAsync(v, at, [(byte)(before[0] ^ 0x5a)]);
        await sim.BackupAsync(v, "backup-2");
        var second = await sim.Reader.ReadBackupConfigAsync(v, "backup-2", Ct);
        Assert.True(second.IsIncremental);
        Assert.Equal(1, second.NewlyUploadedDataSize > 0 ? 1 : 0);

        foreach (var backup in new[] { "backup-1", "backup-2" })
        {
            var image = sim.Scratch(backup + ".qcow2");
            await ExportAsync(sim.Reader, v, backup, ImageFormat.Qcow2, image);
            await QemuImg.AssertQcow2EqualsAsync(image, await sim.RestoreAsync(v, backup), 12 * MiB);
        }
        var raw1 = sim.Scratch("1.raw");
        var raw2 = sim.Scratch("2.raw");
        await ExportAsync(sim.Reader, v, "backup-1", ImageFormat.Raw, raw1);
        await ExportAsync(sim.Reader, v, "backup-2", ImageFormat.Raw, raw2);
        var a = await File.ReadAllBytesAsync(raw1);
        var b = await File.ReadAllBytesAsync(raw2);
        var differ = Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToList();
        Assert.Equal([(int)at], differ);
        Assert.Equal(before[0], a[at]);
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("missing")]
    public async Task A_damaged_or_missing_block_fails_the_export_naming_it_and_leaves_no_file(string damage)
    {
        await using var sim = new SimulatedBackups();
        const string v = "pvc-damaged";
        var map = await BackedUpAsync(sim, v, 16, "lz4", 30);
        var victim = map.Blocks[5];
        var blk = sim.BlockFile(v, victim.BlockChecksum);
        if (damage == "missing") File.Delete(blk);
        else
        {
            var bytes = await File.ReadAllBytesAsync(blk);
            bytes[bytes.Length / 2] ^= 0xff;
            await File.WriteAllBytesAsync(blk, bytes);
        }

        var destDir = sim.Scratch("dest");
        Directory.CreateDirectory(destDir);
        await using var dest = new LocalDirectoryStore(destDir);
        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => ImageFile.WriteAsync(dest, "pvc-damaged.qcow2",
            LonghornImageExport.FileLength(map, ImageFormat.Qcow2), replace: false,
            (s, ct) => LonghornImageExport.WriteAsync(sim.Reader, map, ImageFormat.Qcow2, s, null, ct), Ct));
        Assert.Contains(victim.BlockChecksum, ex.Message);
        Assert.Contains($"offset {victim.Offset}", ex.Message);
        Assert.Contains("backup-1", ex.Message);
        Assert.Contains(damage == "missing" ? "is missing" : "cannot be decompressed", ex.Message + ex.Detail);
        Assert.Empty(Directory.EnumerateFileSystemEntries(destDir));
    }

    [Fact]
    public async Task A_block_whose_content_does_not_match_its_checksum_fails_naming_it()
    {
        await using var sim = new SimulatedBackups();
        const string v = "pvc-swapped";
        var map = await BackedUpAsync(sim, v, 8, "none", 31);
        var blk = sim.BlockFile(v, map.Blocks[2].BlockChecksum);
        var bytes = await File.ReadAllBytesAsync(blk);
        bytes[12345] ^= 1; // still a valid "none" block: only the checksum can tell
        await File.WriteAllBytesAsync(blk, bytes);
        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => ExportAsync(sim.Reader, v, "backup-1", ImageFormat.Qcow2, sim.Scratch("x.qcow2")));
        Assert.Contains(map.Blocks[2].BlockChecksum, ex.Message);
        Assert.Contains("fails its checksum", ex.Message);
    }

    [Fact]
    public async Task Cancelling_an_export_leaves_nothing_and_keeps_an_existing_image()
    {
        await using var sim = new SimulatedBackups();
        const string v = "pvc-cancel";
        var map = await BackedUpAsync(sim, v, 20, "lz4", 40);
        var destDir = sim.Scratch("dest");
        Directory.CreateDirectory(destDir);
        await File.WriteAllTextAsync(Path.Combine(destDir, "vol.qcow2"), "previous image");
        await using var dest = new LocalDirectoryStore(destDir);
        using var cts = new CancellationTokenSource();
        long done = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ImageFile.WriteAsync(dest, "vol.qcow2",
            LonghornImageExport.FileLength(map, ImageFormat.Qcow2), replace: true,
            (s, ct) => LonghornImageExport.WriteAsync(sim.Reader, map, ImageFormat.Qcow2, s, n =>
            {
                done += n;
                if (done >= 6 * MiB) cts.Cancel();
            }, ct), cts.Token));
        Assert.Equal(["vol.qcow2"], Directory.EnumerateFileSystemEntries(destDir).Select(Path.GetFileName));
        Assert.Equal("previous image", await File.ReadAllTextAsync(Path.Combine(destDir, "vol.qcow2")));
    }

    [Fact]
    public async Task Over_nfs_the_store_is_read_and_the_image_written_through_the_products_client()
    {
        await using var nfs = await OwnGanesha.StartAsync();
        var target = nfs.Local("longhorn");
        Directory.CreateDirectory(target);
        Directory.CreateDirectory(nfs.Local("images"));
        await using var sim = new SimulatedBackups(target);
        const string v = "pvc-nfs";
        await sim.CreateVolumeAsync(v, 26 * MiB, "lz4");
        await sim.WriteAsync(v, 2 * MiB + 5, Random((int)(9 * MiB), 50));
        await sim.WriteAsync(v, 24 * MiB, new byte[2 * MiB]);
        await sim.BackupAsync(v, "backup-1");
        var restored = await sim.RestoreAsync(v, "backup-1");

        await using var source = nfs.Store("longhorn");
        await using var dest = nfs.Store("images");
        var reader = new BlockStoreReader(source);
        var map = await reader.ReadBlockMapAsync(v, "backup-1", Ct);
        long progressed = 0;
        foreach (var format in new[] { ImageFormat.Qcow2, ImageFormat.Raw })
        {
            var name = v + ImageFormats.Extension(format);
            var published = await ImageFile.WriteAsync(dest, name, LonghornImageExport.FileLength(map, format), replace: false,
                (s, ct) => LonghornImageExport.WriteAsync(reader, map, format, s, n => progressed += n, ct), Ct);
            var local = nfs.Local("images", name);
            Assert.Equal(published.Size, new FileInfo(local).Length);
            Assert.Equal(published.Sha256, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(local))).ToLowerInvariant());
            if (format == ImageFormat.Qcow2) await QemuImg.AssertQcow2EqualsAsync(local, restored, 26 * MiB);
            else
            {
                await QemuImg.CompareAsync(local, "raw", restored);
                // Sparse on the server too: the blocks with data (five of 2 MiB), not the 26 MiB disk.
                Assert.InRange(Wild.Backup.Core.Tests.Support.FileAllocation.Of(local), 0, 12 * MiB);
            }
            Assert.Equal(1, published.Export.ZeroBlocks);
        }
        Assert.Equal(2 * map.DataSize, progressed);
        Assert.Equal(["pvc-nfs.qcow2", "pvc-nfs.raw"], Directory.EnumerateFiles(nfs.Local("images")).Select(Path.GetFileName).Order());
    }
}
