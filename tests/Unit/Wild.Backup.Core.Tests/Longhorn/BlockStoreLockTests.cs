using System.Text;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Core.Tests.Longhorn.Support.BlockStoreFixture;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BlockStoreLockTests
{
    [Fact]
    public async Task A_held_lock_is_a_json_lck_file_named_lock_16hex_and_is_removed_on_release()
    {
        await using var f = new BlockStoreFixture();
        var held = await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.Deletion, Ct);
        Assert.Matches("^lock-[0-9a-f]{16}$", held.Name);
        var path = f.Full(held.Path);
        Assert.Equal($$"""{"Name":"{{held.Name}}","Type":2,"Acquired":true}""", Encoding.UTF8.GetString(await File.ReadAllBytesAsync(path)));
        await held.DisposeAsync();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Backups_and_restores_share_a_lock_type_and_run_together()
    {
        await using var f = new BlockStoreFixture();
        await using var a = await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.BackupOrRestore, Ct);
        await using var b = await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.BackupOrRestore, Ct);
        Assert.NotEqual(a.Name, b.Name);
    }

    [Fact]
    public async Task A_deletion_cannot_start_while_a_backup_holds_the_volume_and_vice_versa()
    {
        await using var f = new BlockStoreFixture();
        await f.BackupAsync("vol-1", "backup-1", "snap-1", 4L * BlockSize, new Dictionary<int, byte[]> { [0] = Block(1) });
        await using (await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.BackupOrRestore, Ct))
        {
            var ex = await Assert.ThrowsAsync<ConflictException>(() => f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct));
            Assert.Contains("vol-1", ex.Message);
        }
        Assert.True(File.Exists(f.Full(BlockStorePaths.BackupConfig("vol-1", "backup-1"))));
        await using (await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.Deletion, Ct))
        {
            await Assert.ThrowsAsync<ConflictException>(() => f.BackupAsync("vol-1", "backup-2", "snap-2", 4L * BlockSize, new Dictionary<int, byte[]>()));
        }
        // The refused attempts left no lock files behind.
        Assert.Empty(Directory.GetFiles(f.Full(BlockStorePaths.LocksDirectory("vol-1")), "*.lck"));
        await f.Writer.DeleteBackupAsync("vol-1", "backup-1", Ct);
    }

    [Fact]
    public async Task A_lock_older_than_150_seconds_by_mtime_is_ignored()
    {
        await using var f = new BlockStoreFixture();
        var locks = f.Full(BlockStorePaths.LocksDirectory("vol-1"));
        Directory.CreateDirectory(locks);
        var stale = Path.Combine(locks, "lock-00000000000000aa.lck");
        await File.WriteAllTextAsync(stale, """{"Name":"lock-00000000000000aa","Type":1,"Acquired":true}""");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TimeSpan.FromSeconds(200));
        await using (await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.Deletion, Ct)) { }

        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow - TimeSpan.FromSeconds(100));
        await Assert.ThrowsAsync<ConflictException>(() => f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.Deletion, Ct));
    }

    [Fact]
    public async Task Between_two_pending_locks_the_older_file_wins()
    {
        await using var f = new BlockStoreFixture();
        var locks = f.Full(BlockStorePaths.LocksDirectory("vol-1"));
        Directory.CreateDirectory(locks);
        var older = Path.Combine(locks, "lock-00000000000000bb.lck");
        await File.WriteAllTextAsync(older, """{"Name":"lock-00000000000000bb","Type":2,"Acquired":false}""");
        File.SetLastWriteTimeUtc(older, DateTime.UtcNow - TimeSpan.FromSeconds(5));
        await Assert.ThrowsAsync<ConflictException>(() => f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.BackupOrRestore, Ct));

        // A younger pending lock of the other type does not block us.
        File.SetLastWriteTimeUtc(older, DateTime.UtcNow + TimeSpan.FromSeconds(30));
        await using (await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.BackupOrRestore, Ct)) { }
    }

    [Fact]
    public async Task A_held_lock_refreshes_its_file_until_released()
    {
        await using var f = new BlockStoreFixture(FastLocks with { RefreshInterval = TimeSpan.FromMilliseconds(50) });
        var held = await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.BackupOrRestore, Ct);
        var path = f.Full(held.Path);
        var old = DateTime.UtcNow - TimeSpan.FromSeconds(120);
        File.SetLastWriteTimeUtc(path, old);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (File.GetLastWriteTimeUtc(path) <= old) await Task.Delay(10, cts.Token); // the heartbeat rewrites it
        await held.DisposeAsync();
        Assert.False(File.Exists(path));
    }
}
