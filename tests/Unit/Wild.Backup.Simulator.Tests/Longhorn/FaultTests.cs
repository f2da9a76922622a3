using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Faults;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.DataPlaneFixture;

namespace Wild.Backup.Simulator.Tests.Longhorn;

public sealed class FaultTests
{
    private static async Task<DataPlaneFixture> VolumeWithDataAsync(Func<LonghornDataPlaneOptions, LonghornDataPlaneOptions>? configure = null)
    {
        var f = new DataPlaneFixture(configure);
        await f.CreateVolumeAsync("pvc-1", 16);
        var data = new byte[3 * BlockSize];
        new Random(1).NextBytes(data);
        await f.Plane.WriteAsync("pvc-1", 0, data, Ct);
        await f.Plane.CreateSnapshotAsync("pvc-1", "snap-1", null, Ct);
        return f;
    }

    private static Task<BackupHandle> StartAsync(DataPlaneFixture f, string name = "backup-1") =>
        f.Plane.StartBackupAsync(new BackupRequest { BackupName = name, SnapshotName = "snap-1" }, Ct);

    [Fact]
    public async Task A_hanging_backup_stays_in_progress_until_cancelled()
    {
        await using var f = await VolumeWithDataAsync();
        f.Plane.Faults.HangBackups = true;
        var handle = await StartAsync(f);
        var running = await handle.Operation.WaitUntilAsync(s => s.State == BackupStates.InProgress, Wait, Ct);
        Assert.Equal(BackupStates.InProgress, running.State);
        Assert.False(handle.Operation.Completion.IsCompleted);
        await Assert.ThrowsAsync<ConflictException>(() => f.Plane.DeleteSnapshotAsync("snap-1", Ct));

        handle.Operation.Cancel();
        var final = await handle.Operation.WaitAsync(Wait, Ct);
        Assert.Equal(BackupStates.Error, final.State);
        Assert.Equal("backup cancelled", final.Error);
    }

    [Fact]
    public async Task A_hang_that_clears_lets_the_backup_finish()
    {
        await using var f = await VolumeWithDataAsync();
        f.Plane.Faults.HangBackups = true;
        var handle = await StartAsync(f);
        await handle.Operation.WaitUntilAsync(s => s.State == BackupStates.InProgress, Wait, Ct);
        f.Plane.Faults.HangBackups = false;
        Assert.Equal(BackupStates.Completed, (await handle.Operation.WaitAsync(Wait, Ct)).State);
    }

    [Fact]
    public async Task A_hanging_backup_ends_in_error_at_its_timeout()
    {
        await using var f = await VolumeWithDataAsync(o => o with { BackupTimeout = TimeSpan.FromMilliseconds(300) });
        f.Plane.Faults.HangBackups = true;
        var handle = await StartAsync(f);
        var final = await handle.Operation.WaitAsync(Wait, Ct);
        Assert.Equal(BackupStates.Error, final.State);
        Assert.Contains("did not finish within", final.Error);
    }

    [Fact]
    public async Task Fault_knobs_can_target_one_volume()
    {
        await using var f = await VolumeWithDataAsync();
        await f.CreateVolumeAsync("pvc-2", 4);
        await f.Plane.CreateSnapshotAsync("pvc-2", "snap-2", null, Ct);
        f.Plane.Faults.BackupError = "disk on fire";
        f.Plane.Faults.Volumes = new HashSet<string> { "pvc-2" };
        var ok = await (await StartAsync(f)).Operation.WaitAsync(Wait, Ct);
        var bad = await (await f.Plane.StartBackupAsync(new BackupRequest { BackupName = "backup-2", SnapshotName = "snap-2" }, Ct)).Operation.WaitAsync(Wait, Ct);
        Assert.Equal(BackupStates.Completed, ok.State);
        Assert.Equal(BackupStates.Error, bad.State);
        Assert.Equal("disk on fire", bad.Error);
    }

    [Fact]
    public async Task An_unavailable_target_refuses_new_backups_and_reports_unavailable()
    {
        await using var f = await VolumeWithDataAsync();
        f.Plane.Faults.TargetUnavailable = true;
        var denied = await Assert.ThrowsAsync<AdmissionDeniedException>(() => StartAsync(f));
        Assert.Contains("backup target default is not available", denied.Message);
        var target = await f.Plane.GetBackupTargetAsync("default", Ct);
        Assert.False(target.Status.Available);
        var condition = Assert.Single(target.Status.Conditions);
        Assert.Equal(("Unavailable", "True"), (condition.Type, condition.Status));
        Assert.Contains(StorageUnreachableException.StandardMessage, condition.Message);

        f.Plane.Faults.TargetUnavailable = false;
        Assert.True((await f.Plane.GetBackupTargetAsync("default", Ct)).Status.Available);
    }

    [Fact]
    public async Task A_target_that_goes_away_mid_backup_fails_it()
    {
        await using var f = await VolumeWithDataAsync();
        f.Plane.Faults.HangBackups = true;
        var handle = await StartAsync(f);
        await handle.Operation.WaitUntilAsync(s => s.State == BackupStates.InProgress, Wait, Ct);
        f.Plane.Faults.TargetUnavailable = true;
        f.Plane.Faults.HangBackups = false;
        var final = await handle.Operation.WaitAsync(Wait, Ct);
        Assert.Equal(BackupStates.Error, final.State);
        Assert.Contains(StorageUnreachableException.StandardMessage, final.Error);
    }

    [Fact]
    public async Task A_missing_target_directory_is_unavailable()
    {
        await using var f = await VolumeWithDataAsync();
        f.Plane.SetBackupTarget("default", TargetUrl, Path.Combine(f.TargetDirectory, "not-mounted"));
        Assert.False((await f.Plane.GetBackupTargetAsync("default", Ct)).Status.Available);
        await Assert.ThrowsAsync<AdmissionDeniedException>(() => StartAsync(f));
    }

    [Fact]
    public async Task A_backup_under_a_throughput_limit_still_writes_a_correct_store()
    {
        await using var f = await VolumeWithDataAsync();
        f.Plane.Faults.ThroughputLimitBytesPerSecond = 64L * 1024 * 1024;
        var status = await (await StartAsync(f)).Operation.WaitAsync(Wait, Ct);
        Assert.Equal(BackupStates.Completed, status.State);
        await f.RestoreAsync("copy", status.Url);
        Assert.Equal(f.VolumeSha256("pvc-1"), f.VolumeSha256("copy"));
    }

    [Fact]
    public async Task The_throttle_paces_bytes_at_the_limit()
    {
        var time = new ManualTime();
        var throttle = new Throttle(() => 1000, time);
        await throttle.PaceAsync(1000, Ct);            // first second's worth goes at once
        var second = throttle.PaceAsync(500, Ct).AsTask();  // must wait until 1 s has passed
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await second.WaitAsync(Wait);
        Assert.True(new Throttle(() => 0, time).PaceAsync(1 << 30, Ct).IsCompleted); // no limit, no wait
    }

    [Fact]
    public async Task A_backup_cannot_take_a_volume_held_by_a_deletion_and_says_so()
    {
        await using var f = await VolumeWithDataAsync();
        var writer = new BlockStoreWriter(new LocalDirectoryStore(f.TargetDirectory), new BlockStoreWriterOptions { Locks = BlockStoreLockOptions.Longhorn with { CheckWait = TimeSpan.Zero } });
        await using (await writer.AcquireLockAsync("pvc-1", BlockStoreLockType.Deletion, Ct))
        {
            var final = await (await StartAsync(f)).Operation.WaitAsync(Wait, Ct);
            Assert.Equal(BackupStates.Error, final.State);
            Assert.Contains("lock", final.Error);
        }
        var retry = await (await StartAsync(f, "backup-2")).Operation.WaitAsync(Wait, Ct);
        Assert.Equal(BackupStates.Completed, retry.State);
    }

    [Fact]
    public async Task The_webhook_rejects_bad_names_unknown_snapshots_and_mismatched_volumes()
    {
        await using var f = await VolumeWithDataAsync();
        await f.CreateVolumeAsync("pvc-2", 4);
        await Assert.ThrowsAsync<AdmissionDeniedException>(() => f.Plane.StartBackupAsync(new BackupRequest { BackupName = "-bad", SnapshotName = "snap-1" }, Ct));
        await Assert.ThrowsAsync<AdmissionDeniedException>(() => f.Plane.StartBackupAsync(new BackupRequest { BackupName = "b-1", SnapshotName = "nope" }, Ct));
        await Assert.ThrowsAsync<AdmissionDeniedException>(() => f.Plane.StartBackupAsync(new BackupRequest { BackupName = "b-1", SnapshotName = "snap-1", VolumeName = "pvc-2" }, Ct));
        await Assert.ThrowsAsync<AdmissionDeniedException>(() => f.Plane.StartBackupAsync(new BackupRequest { BackupName = "b-1", SnapshotName = "snap-1", BackupTargetName = "other" }, Ct));
        await (await StartAsync(f, "b-1")).Operation.WaitAsync(Wait, Ct);
        await Assert.ThrowsAsync<ConflictException>(() => StartAsync(f, "b-1"));
    }
}
