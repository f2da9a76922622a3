using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Core.Tests.Longhorn.Support.BlockStoreFixture;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BackupSessionTests
{
    private const long VolumeSize = 8L * BlockSize;

    [Fact]
    public async Task A_first_backup_is_full_and_writes_one_blk_per_distinct_block()
    {
        await using var f = new BlockStoreFixture();
        var blocks = new Dictionary<int, byte[]> { [0] = Block(1), [3] = Block(2), [5] = Block(1) }; // block 5 repeats block 0
        var (cfg, session) = await f.BackupAsync("vol-a", "backup-1", "snap-1", VolumeSize, blocks);

        Assert.False(cfg.IsIncremental);
        Assert.True(cfg.ProcessingBlocksIsObject);
        Assert.Equal([0L, 3L * BlockSize, 5L * BlockSize], cfg.Blocks.Select(b => b.Offset));
        Assert.Equal(cfg.Blocks[0].BlockChecksum, cfg.Blocks[2].BlockChecksum);
        Assert.Equal(3L * BlockSize, cfg.Size);
        Assert.Equal(2, f.BlockFiles("vol-a").Count);
        Assert.Equal(2, session.NewBlocks);
        Assert.Equal(f.BlockFiles("vol-a").Sum(p => new FileInfo(p).Length), cfg.NewlyUploadedDataSize);
        Assert.Equal("incremental", cfg.Parameters!["backup-mode"]);
        Assert.Equal("2097152", cfg.Parameters["backup-block-size"]);
        Assert.DoesNotContain(f.AllFiles(), p => p.Contains(".tmp.", StringComparison.Ordinal));
        Assert.DoesNotContain(f.AllFiles(), p => p.Contains("/locks/", StringComparison.Ordinal) && p.EndsWith(".lck", StringComparison.Ordinal));

        var volume = await f.Reader.ReadVolumeConfigAsync("vol-a", Ct);
        Assert.Equal("backup-1", volume.LastBackupName);
        Assert.Equal(cfg.SnapshotCreatedAt, volume.LastBackupAt);
        Assert.Equal(2, volume.BlockCount);
        Assert.Equal(VolumeSize, volume.Size);
        Assert.Equal("lz4", volume.CompressionMethod);
        Assert.Equal("v1", volume.DataEngine); // written empty at creation, "v1" once Longhorn re-saves it
        Assert.Equal("test", volume.Labels!["app"]);
    }

    [Fact]
    public async Task An_incremental_backup_after_one_changed_block_uploads_exactly_that_block_and_is_a_complete_map()
    {
        await using var f = new BlockStoreFixture();
        var first = new Dictionary<int, byte[]> { [0] = Block(1), [1] = Block(2), [4] = Block(3) };
        await f.BackupAsync("vol-b", "backup-1", "snap-1", VolumeSize, first);
        var before = f.BlockFiles("vol-b").ToHashSet();

        var (cfg, session) = await f.BackupAsync("vol-b", "backup-2", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [1] = Block(20) });

        Assert.True(session.IsIncremental);
        Assert.Equal("snap-1", session.BaseSnapshotName);
        Assert.True(cfg.IsIncremental);
        Assert.False(cfg.ProcessingBlocksIsObject);
        var added = f.BlockFiles("vol-b").Except(before).ToList();
        var single = Assert.Single(added);
        Assert.Equal(new FileInfo(single).Length, cfg.NewlyUploadedDataSize);
        Assert.Equal(1, session.NewBlocks);
        Assert.Equal(0, cfg.ReUploadedDataSize);
        Assert.Equal([0L, BlockSize, 4L * BlockSize], cfg.Blocks.Select(b => b.Offset));
        Assert.Equal(BlockChecksum.Of(Block(20)), cfg.Blocks[1].BlockChecksum);
        Assert.Equal(BlockChecksum.Of(Block(1)), cfg.Blocks[0].BlockChecksum);
        Assert.Equal(4, (await f.Reader.ReadVolumeConfigAsync("vol-b", Ct)).BlockCount);
    }

    [Fact]
    public async Task Content_already_stored_is_not_uploaded_again_across_backups()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-c", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        // Block 2 now holds what block 0 held: same checksum, nothing to upload.
        var (cfg, session) = await f.BackupAsync("vol-c", "backup-2", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [2] = Block(1) });
        Assert.Equal(0, cfg.NewlyUploadedDataSize);
        Assert.Equal(0, session.NewBlocks);
        Assert.Single(f.BlockFiles("vol-c"));
        Assert.Equal(2, cfg.Blocks.Count);
    }

    [Fact]
    public async Task Full_mode_rereads_everything_and_counts_reuploads()
    {
        await using var f = new BlockStoreFixture();
        var blocks = new Dictionary<int, byte[]> { [0] = Block(1), [2] = Block(2) };
        await f.BackupAsync("vol-d", "backup-1", "snap-1", VolumeSize, blocks);
        var (cfg, session) = await f.BackupAsync("vol-d", "backup-2", "snap-2", VolumeSize, blocks, mode: BackupMode.Full);
        Assert.False(session.IsIncremental);
        Assert.Null(session.BaseSnapshotName);
        Assert.False(cfg.IsIncremental);
        Assert.Equal(0, cfg.NewlyUploadedDataSize);
        Assert.Equal(f.BlockFiles("vol-d").Sum(p => new FileInfo(p).Length), cfg.ReUploadedDataSize);
        Assert.Equal("full", cfg.Parameters!["backup-mode"]);
    }

    [Fact]
    public async Task A_missing_base_snapshot_or_the_same_snapshot_falls_back_to_full()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-e", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        var (gone, _) = await f.BackupAsync("vol-e", "backup-2", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1) },
            hasSnapshot: s => s != "snap-1");
        Assert.False(gone.IsIncremental);
        var (same, _) = await f.BackupAsync("vol-e", "backup-3", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        Assert.False(same.IsIncremental);
        var (next, _) = await f.BackupAsync("vol-e", "backup-4", "snap-3", VolumeSize, new Dictionary<int, byte[]>());
        Assert.True(next.IsIncremental);
        Assert.Single(next.Blocks);
    }

    [Fact]
    public async Task A_backup_volume_keeps_its_first_compression_method()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-f", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1) }, method: "gzip");
        var (cfg, session) = await f.BackupAsync("vol-f", "backup-2", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [1] = Block(2) }, method: "lz4");
        Assert.Equal("gzip", session.CompressionMethod);
        Assert.Equal("gzip", cfg.CompressionMethod);
        Assert.All(f.BlockFiles("vol-f"), p => Assert.Equal([0x1f, 0x8b], File.ReadAllBytes(p)[..2]));
    }

    [Fact]
    public async Task An_unfinished_session_leaves_an_in_progress_cfg_and_releases_its_lock()
    {
        await using var f = new BlockStoreFixture();
        var session = await f.Writer.BeginBackupAsync(new BackupSessionRequest
        {
            BackupName = "backup-1", VolumeName = "vol-g", VolumeSize = VolumeSize, SnapshotName = "snap-1",
        }, Ct);
        await session.AddBlockAsync(0, Block(1), Ct);
        await session.DisposeAsync();
        var cfg = await f.Reader.ReadBackupConfigAsync("vol-g", "backup-1", Ct);
        Assert.True(cfg.IsInProgress);
        Assert.Equal("lz4", cfg.CompressionMethod);
        Assert.Empty(Directory.GetFiles(f.Full(BlockStorePaths.LocksDirectory("vol-g"))));
        var volume = await f.Reader.ReadVolumeConfigAsync("vol-g", Ct);
        Assert.Equal("", volume.DataEngine); // as the engine first writes it
        Assert.Equal("", volume.LastBackupName);
    }

    [Theory]
    [InlineData(1, BlockSize)]             // misaligned
    [InlineData(8L * BlockSize, BlockSize)] // beyond the volume
    [InlineData(0, BlockSize - 1)]         // short block
    public async Task Blocks_must_be_whole_and_inside_the_volume(long offset, int length)
    {
        await using var f = new BlockStoreFixture();
        var session = await f.Writer.BeginBackupAsync(new BackupSessionRequest
        {
            BackupName = "backup-1", VolumeName = "vol-h", VolumeSize = VolumeSize, SnapshotName = "snap-1",
        }, Ct);
        await using (session)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => session.AddBlockAsync(offset, new byte[length], Ct));
        }
    }

    [Fact]
    public void Merging_keeps_the_delta_and_fills_from_the_last_map()
    {
        var last = new List<BlockMapping> { new(0, "a"), new(2, "b"), new(6, "c") };
        var delta = new List<BlockMapping> { new(2, "B"), new(4, "D"), new(8, "E") };
        Assert.Equal(["a", "B", "D", "c", "E"], BackupSession.Merge(delta, last).Select(m => m.BlockChecksum));
    }
}
