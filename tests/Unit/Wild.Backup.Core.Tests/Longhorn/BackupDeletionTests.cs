using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Core.Tests.Longhorn.Support.BlockStoreFixture;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BackupDeletionTests
{
    private const long VolumeSize = 8L * BlockSize;

    private static async Task<BlockStoreFixture> TwoBackupsAsync()
    {
        var f = new BlockStoreFixture();
        // backup-1: A B C at 0,1,2; backup-2: A B' C (block 1 changed) → B only in backup-1, B' only in backup-2.
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1), [1] = Block(2), [2] = Block(3) });
        await f.BackupAsync("vol-1", "backup-2", "snap-2", VolumeSize, new Dictionary<int, byte[]> { [1] = Block(20) });
        return f;
    }

    private static bool Exists(BlockStoreFixture f, int seed) => File.Exists(f.Full(BlockStorePaths.Block("vol-1", BlockChecksum.Of(Block(seed)))));

    [Fact]
    public async Task Deleting_a_backup_removes_its_cfg_and_only_blocks_no_other_backup_references()
    {
        await using var f = await TwoBackupsAsync();
        var result = await f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct);

        Assert.Null(result.GarbageCollectionSkipped);
        Assert.Equal(1, result.BlocksDeleted);
        Assert.Equal(3, result.BlocksRetained);
        Assert.False(File.Exists(f.Full(BlockStorePaths.BackupConfig("vol-1", "backup-1"))));
        Assert.False(Exists(f, 2));
        Assert.True(Exists(f, 1) && Exists(f, 3) && Exists(f, 20));
        var volume = await f.Reader.ReadVolumeConfigAsync("vol-1", Ct);
        Assert.Equal(3, volume.BlockCount);
        Assert.Equal("backup-2", volume.LastBackupName);

        // The remaining backup still restores in full.
        var map = await f.Reader.ReadBlockMapAsync("vol-1", "backup-2", Ct);
        var n = 0;
        await foreach (var _ in f.Reader.ReadBlocksAsync(map, Ct)) n++;
        Assert.Equal(3, n);
    }

    [Fact]
    public async Task Deleting_the_last_backup_moves_LastBackupName_to_the_latest_remaining()
    {
        await using var f = await TwoBackupsAsync();
        await f.Writer.DeleteBackupAsync("vol-1", "backup-2", Ct);
        var volume = await f.Reader.ReadVolumeConfigAsync("vol-1", Ct);
        Assert.Equal("backup-1", volume.LastBackupName);
        Assert.False(Exists(f, 20));
        Assert.True(Exists(f, 2));
    }

    [Fact]
    public async Task Deleting_the_only_backup_collects_every_block()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1), [1] = Block(2) });
        var result = await f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct);
        Assert.Equal(2, result.BlocksDeleted);
        Assert.Empty(f.BlockFiles("vol-1"));
        var volume = await f.Reader.ReadVolumeConfigAsync("vol-1", Ct);
        Assert.Equal("", volume.LastBackupName);
        Assert.Equal(0, volume.BlockCount);
    }

    [Fact]
    public async Task An_unfinished_backup_blocks_garbage_collection()
    {
        await using var f = await TwoBackupsAsync();
        var unfinished = await f.Writer.BeginBackupAsync(new BackupSessionRequest
        {
            BackupName = "backup-3", VolumeName = "vol-1", VolumeSize = VolumeSize, SnapshotName = "snap-3",
        }, Ct);
        await unfinished.AddBlockAsync(5L * BlockSize, Block(50), Ct);
        await unfinished.DisposeAsync(); // never completed: cfg stays with an empty CreatedTime

        var result = await f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct);
        Assert.Contains("backup-3", result.GarbageCollectionSkipped);
        Assert.Equal(0, result.BlocksDeleted);
        Assert.True(Exists(f, 2) && Exists(f, 50));
        Assert.False(File.Exists(f.Full(BlockStorePaths.BackupConfig("vol-1", "backup-1"))));

        // Deleting the unfinished one (as Longhorn does for a failed Backup) lets GC run again.
        var again = await f.Writer.DeleteBackupAsync("vol-1", "backup-3", Ct);
        Assert.Null(again.GarbageCollectionSkipped);
        Assert.False(Exists(f, 2));
        Assert.False(Exists(f, 50));
    }

    [Fact]
    public async Task An_unreadable_cfg_blocks_garbage_collection()
    {
        await using var f = await TwoBackupsAsync();
        await File.WriteAllTextAsync(f.Full(BlockStorePaths.BackupConfig("vol-1", "backup-x")), "not json");
        var result = await f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct);
        Assert.Contains("backup-x", result.GarbageCollectionSkipped);
        Assert.True(Exists(f, 2));
    }

    [Fact]
    public async Task Blocks_are_never_deleted_on_an_empty_listing()
    {
        await using var f = await TwoBackupsAsync();
        // Simulate a listing that comes back empty: every cfg gone, yet the blocks are there.
        Directory.Delete(f.Full(BlockStorePaths.BackupsDirectory("vol-1")), recursive: true);
        var result = await f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct);
        Assert.NotNull(result.GarbageCollectionSkipped);
        Assert.Equal(4, f.BlockFiles("vol-1").Count);
    }

    [Fact]
    public async Task Deleting_from_a_volume_that_does_not_exist_is_not_found_and_touches_nothing()
    {
        await using var f = await TwoBackupsAsync();
        await Assert.ThrowsAsync<NotFoundException>(() => f.Writer.DeleteBackupAsync("vol-2", "backup-1", Ct));
        Assert.Equal(4, f.BlockFiles("vol-1").Count);
    }

    [Fact]
    public async Task Files_that_are_not_longhorn_blocks_are_left_alone()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", VolumeSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        var stray = f.Full(BlockStorePaths.BlocksDirectory("vol-1") + "/00/00/notes.blk");
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        await File.WriteAllTextAsync(stray, "keep me");
        await f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct);
        Assert.True(File.Exists(stray));
    }
}
