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
        var time = new ManualTime();
        await using var f = new BlockStoreFixture(FastLocks with { Time = time, RefreshInterval = TimeSpan.FromSeconds(60) });
        var held = await f.Writer.AcquireLockAsync("vol-1", BlockStoreLockType.BackupOrRestore, Ct);
        var path = f.Full(held.Path);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - TimeSpan.FromSeconds(120));
        var old = File.GetLastWriteTimeUtc(path);
        time.Advance(TimeSpan.FromSeconds(61));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (File.GetLastWriteTimeUtc(path) == old) await Task.Delay(10, cts.Token);
        Assert.True(File.GetLastWriteTimeUtc(path) > old);
        await held.DisposeAsync();
        Assert.False(File.Exists(path));
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private readonly object _gate = new();
        private readonly List<(DateTimeOffset Due, TimerCallback Callback, object? State)> _due = [];
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow()
        {
            lock (_gate) return _now;
        }

        public void Advance(TimeSpan by)
        {
            List<(DateTimeOffset, TimerCallback, object?)> fire;
            lock (_gate)
            {
                _now += by;
                fire = _due.Where(d => d.Due <= _now).ToList();
                _due.RemoveAll(d => d.Due <= _now);
            }
            foreach (var (_, cb, state) in fire) cb(state);
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_gate)
            {
                if (dueTime != Timeout.InfiniteTimeSpan) _due.Add((_now + dueTime, callback, state));
            }
            return new NoopTimer();
        }

        private sealed class NoopTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;
            public void Dispose() { }
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
