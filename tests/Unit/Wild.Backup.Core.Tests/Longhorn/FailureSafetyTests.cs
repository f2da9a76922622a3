using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Core.Tests.Longhorn.Support.BlockStoreFixture;

namespace Wild.Backup.Core.Tests.Longhorn;

/// <summary>What the block store does when the storage under it misbehaves.</summary>
public sealed class FailureSafetyTests
{
    /// <summary>Fails chosen calls of the store it wraps.</summary>
    private sealed class FlakyStore(IBackupStore inner) : DelegatingStore(inner)
    {
        public Func<string, bool> FailList { get; set; } = _ => false;
        public Func<string, bool> FailRename { get; set; } = _ => false;

        public override Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) =>
            FailList(directory) ? throw new StorageUnreachableException("listing failed (test)") : base.ListAsync(directory, ct);

        public override Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct) =>
            FailRename(to) ? throw new IOException("rename failed (test)") : base.RenameAsync(from, to, overwrite, ct);
    }

    [Fact]
    public async Task A_failed_cfg_write_leaves_the_old_cfg_and_no_temporary_file()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", 4L * BlockSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        var path = BlockStorePaths.VolumeConfig("vol-1");
        var before = await File.ReadAllBytesAsync(f.Full(path));
        var flaky = new FlakyStore(f.Store) { FailRename = to => to == path };
        var writer = new BlockStoreWriter(flaky, new BlockStoreWriterOptions { Locks = FastLocks });

        var volume = await f.Reader.ReadVolumeConfigAsync("vol-1", Ct);
        await Assert.ThrowsAsync<IOException>(() => writer.WriteVolumeConfigAsync(volume with { LastBackupName = "other" }, Ct));
        Assert.Equal(before, await File.ReadAllBytesAsync(f.Full(path)));
        Assert.DoesNotContain(f.AllFiles(), p => p.Contains(".tmp.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_listing_that_fails_during_deletion_deletes_no_blocks()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", 4L * BlockSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        await f.BackupAsync("vol-1", "backup-2", "snap-2", 4L * BlockSize, new Dictionary<int, byte[]> { [0] = Block(2) });
        var backups = BlockStorePaths.BackupsDirectory("vol-1");
        var calls = 0;
        var flaky = new FlakyStore(f.Store) { FailList = dir => dir == backups && ++calls > 1 }; // the first listing works, later ones fail
        var writer = new BlockStoreWriter(flaky, new BlockStoreWriterOptions { Locks = FastLocks });

        await Assert.ThrowsAsync<StorageUnreachableException>(() => writer.DeleteBackupAsync("vol-1", "backup-1", Ct));
        Assert.Equal(2, f.BlockFiles("vol-1").Count);
        Assert.Empty(Directory.GetFiles(f.Full(BlockStorePaths.LocksDirectory("vol-1"))));
    }

    [Fact]
    public async Task A_backup_volume_that_cannot_be_listed_is_not_touched()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", 4L * BlockSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        var flaky = new FlakyStore(f.Store) { FailList = dir => dir == BlockStorePaths.VolumeDirectory("vol-1") };
        var writer = new BlockStoreWriter(flaky, new BlockStoreWriterOptions { Locks = FastLocks });
        await Assert.ThrowsAsync<StorageUnreachableException>(() => writer.DeleteBackupAsync("vol-1", "backup-1", Ct));
        Assert.True(File.Exists(f.Full(BlockStorePaths.BackupConfig("vol-1", "backup-1"))));
        Assert.Single(f.BlockFiles("vol-1"));
    }
}
