using System.Security.Cryptography;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Wild.Backup.Testing;
using Xunit;
using static Wild.Backup.Core.Tests.Longhorn.Support.BlockStoreFixture;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BlockStoreReaderTests
{
    private const long VolumeSize = 6L * BlockSize;

    [Fact]
    public async Task Lists_volumes_and_backups_including_broken_and_unfinished_ones()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        await f.BackupAsync("vol-1", "backup-2", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [1] = Block(2) });
        await f.BackupAsync("vol-2", "backup-3", "snap-1", VolumeSize, new Dictionary<int, byte[]>());
        Directory.CreateDirectory(f.Full(BlockStorePaths.VolumeDirectory("no-cfg")));
        Directory.CreateDirectory(f.Full("backupstore/volumes/00/00/vol-2"));
        await File.WriteAllTextAsync(f.Full(BlockStorePaths.BackupConfig("vol-1", "broken")), "{");
        await File.WriteAllTextAsync(f.Full(BlockStorePaths.BackupConfig("vol-1", "backup-9") + ".tmp.1"), "{}");

        var volumes = await f.Reader.ListVolumesAsync(Ct);
        Assert.Equal(["no-cfg", "vol-1", "vol-2", "vol-2"], volumes.Select(v => v.Name));
        Assert.Contains("does not exist", volumes.Single(v => v.Name == "no-cfg").Error);
        Assert.Contains("is not where Longhorn keeps", volumes.Single(v => v.Name == "vol-2" && v.Config is null).Error);
        Assert.NotNull(volumes.Single(v => v.Name == "vol-2" && v.Error is null).Config);
        Assert.Equal("backup-2", volumes.Single(v => v.Name == "vol-1").Config!.LastBackupName);

        var backups = await f.Reader.ListBackupsAsync("vol-1", Ct);
        Assert.Equal(["backup-1", "backup-2", "broken"], backups.Select(b => b.Name));
        Assert.Contains("not valid JSON", backups.Single(b => b.Name == "broken").Error);
        Assert.Empty(await f.Reader.ListBackupNamesAsync("no-cfg", Ct));
    }

    [Fact]
    public async Task A_target_without_a_block_store_or_volume_is_not_found_never_empty()
    {
        await using var f = new BlockStoreFixture();
        await Assert.ThrowsAsync<NotFoundException>(() => f.Reader.ListVolumesAsync(Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => f.Reader.ListBackupNamesAsync("vol-x", Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => f.Reader.ReadBackupConfigAsync("vol-x", "backup-1", Ct));
        var gone = new BlockStoreReader(new LocalDirectoryStore(Path.Combine(f.Root, "unmounted")));
        await Assert.ThrowsAsync<StorageUnreachableException>(() => gone.ListVolumesAsync(Ct));
    }

    [Fact]
    public async Task Streams_blocks_in_offset_order_verified()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [4] = Block(4), [1] = Block(1) });
        var map = await f.Reader.ReadBlockMapAsync("vol-1", "backup-1", Ct);
        var blocks = new List<BackupBlock>();
        await foreach (var b in f.Reader.ReadBlocksAsync(map, Ct)) blocks.Add(b);
        Assert.Equal([BlockSize, 4L * BlockSize], blocks.Select(b => b.Offset));
        Assert.Equal(Block(1), blocks[0].Data.ToArray());
        Assert.Equal(Block(4), blocks[1].Data.ToArray());
        Assert.Equal(2L * BlockSize, map.DataSize);
    }

    [Fact]
    public async Task A_raw_image_of_a_backup_is_byte_identical_with_holes_as_zeros()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1), [5] = Block(5) });
        await f.BackupAsync("vol-1", "backup-2", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [2] = Block(2) });
        var expected = new byte[VolumeSize];
        Block(1).CopyTo(expected, 0);
        Block(2).CopyTo(expected, 2 * BlockSize);
        Block(5).CopyTo(expected, 5 * BlockSize);

        var map = await f.Reader.ReadBlockMapAsync("vol-1", "backup-2", Ct);
        var image = Path.Combine(f.Root, "restored.raw");
        await using (var fs = new FileStream(image, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            await f.Reader.WriteRawImageAsync(map, fs, progress: null, Ct);
        }
        Assert.Equal(SHA256.HashData(expected), SHA256.HashData(await File.ReadAllBytesAsync(image)));
    }

    [Fact]
    public async Task A_corrupt_block_is_detected_and_named_with_its_backup()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1), [3] = Block(3) }, method: "none");
        var bad = BlockChecksum.Of(Block(3));
        var path = f.Full(BlockStorePaths.Block("vol-1", bad));
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[12345] ^= 0xff;
        await File.WriteAllBytesAsync(path, bytes);

        var map = await f.Reader.ReadBlockMapAsync("vol-1", "backup-1", Ct);
        var ex = await Assert.ThrowsAsync<CorruptBackupException>(async () =>
        {
            await foreach (var _ in f.Reader.ReadBlocksAsync(map, Ct)) { }
        });
        Assert.Contains(bad, ex.Message);
        Assert.Contains("backup-1", ex.Message);
        Assert.Contains("offset " + 3L * BlockSize, ex.Message);
        Assert.Contains("checksum", ex.Message);
    }

    [Fact]
    public async Task Missing_and_undecodable_blocks_are_corrupt()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1), [1] = Block(2) }, method: "gzip");
        File.Delete(f.Full(BlockStorePaths.Block("vol-1", BlockChecksum.Of(Block(1)))));
        await File.WriteAllBytesAsync(f.Full(BlockStorePaths.Block("vol-1", BlockChecksum.Of(Block(2)))), [0x1f, 0x8b, 0, 0]);
        var map = await f.Reader.ReadBlockMapAsync("vol-1", "backup-1", Ct);
        var missing = await Assert.ThrowsAsync<CorruptBackupException>(() => f.Reader.ReadBlockAsync(map, map.Blocks[0], Ct));
        Assert.Contains("is missing", missing.Message);
        var garbled = await Assert.ThrowsAsync<CorruptBackupException>(() => f.Reader.ReadBlockAsync(map, map.Blocks[1], Ct));
        Assert.Contains("cannot be decompressed", garbled.Message);
    }

    [Fact]
    public async Task An_unfinished_backup_cannot_be_read_and_a_broken_map_is_refused()
    {
        await using var f = new BlockStoreFixture();
        var session = await f.Writer.BeginBackupAsync(new BackupSessionRequest
        {
            BackupName = "backup-1", VolumeName = "vol-1", VolumeSize = VolumeSize, SnapshotName = "snap-1",
        }, Ct);
        await session.DisposeAsync();
        await Assert.ThrowsAsync<ConflictException>(() => f.Reader.ReadBlockMapAsync("vol-1", "backup-1", Ct));

        var unsorted = new BackupConfig
        {
            Name = "backup-2", VolumeName = "vol-1", CreatedTime = "2026-01-01T00:00:00Z",
            Blocks = [new BlockMapping(BlockSize, BlockChecksum.Of("a")), new BlockMapping(0, BlockChecksum.Of("b"))],
        };
        await f.Writer.WriteBackupConfigAsync(unsorted, Ct);
        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => f.Reader.ReadBlockMapAsync("vol-1", "backup-2", Ct));
        Assert.Contains("strictly increasing", ex.Message);
    }
}
