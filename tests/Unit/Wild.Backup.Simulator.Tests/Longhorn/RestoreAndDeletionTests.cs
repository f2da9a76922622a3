using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.DataPlaneFixture;

namespace Wild.Backup.Simulator.Tests.Longhorn;

public sealed class RestoreAndDeletionTests
{
    [Fact]
    public async Task A_restore_is_byte_identical_and_clears_restoreRequired()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 64);
        var writer = new Simulator.Longhorn.Volumes.VolumeDataWriter(f.Plane, "pvc-1");
        await writer.WriteFilesAsync(60, 100, 250_000, seed: 3, volumeSize: 64L * MiB, Ct);
        var backup = await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");

        var op = await f.Plane.StartRestoreAsync(new RestoreRequest { VolumeName = "pvc-1-restored", FromBackup = backup.Url }, Ct);
        var initial = f.Plane.GetVolume("pvc-1-restored");
        Assert.Equal(backup.Url, initial.Spec.FromBackup);
        var final = await op.WaitAsync(Wait, Ct);

        Assert.Equal(RestoreStatus.States.Complete, final.State);
        Assert.Equal(100, final.Progress);
        Assert.Equal("backup-1", final.LastRestored);
        Assert.False(final.IsRestoring);
        var restored = f.Plane.GetVolume("pvc-1-restored");
        Assert.False(restored.Status.RestoreRequired);
        Assert.True(restored.Status.RestoreInitiated);
        Assert.Equal(64L * MiB, restored.SizeBytes);
        Assert.Equal(f.VolumeSha256("pvc-1"), f.VolumeSha256("pvc-1-restored"));
    }

    [Fact]
    public async Task An_older_backup_restores_the_older_content()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        var first = await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        var expected = f.VolumeSha256("pvc-1");
        await f.Plane.WriteAsync("pvc-1", 0, Block(2), Ct);
        await f.Plane.WriteAsync("pvc-1", 8L * MiB, Block(3), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-2", "backup-2");

        await f.RestoreAsync("old", first.Url);
        Assert.Equal(expected, f.VolumeSha256("old"));
        Assert.NotEqual(expected, f.VolumeSha256("pvc-1"));
    }

    [Fact]
    public async Task Deleting_a_backup_keeps_what_others_reference_and_they_still_restore()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        await f.Plane.WriteAsync("pvc-1", 4L * MiB, Block(2), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        await f.Plane.WriteAsync("pvc-1", 4L * MiB, Block(3), Ct);
        var second = await f.SnapshotAndBackupAsync("pvc-1", "snap-2", "backup-2");
        var expected = f.VolumeSha256("pvc-1");

        var result = await f.Plane.DeleteBackupAsync("backup-1", null, null, Ct);

        Assert.Null(result.GarbageCollectionSkipped);
        Assert.Equal(1, result.BlocksDeleted);
        Assert.False(File.Exists(f.BlockFile("pvc-1", BlockChecksum.Of(Block(2)))));
        Assert.True(File.Exists(f.BlockFile("pvc-1", BlockChecksum.Of(Block(1)))));
        Assert.Null(f.Plane.GetBackupStatus("backup-1"));
        await f.RestoreAsync("again", second.Url);
        Assert.Equal(expected, f.VolumeSha256("again"));

        await f.Plane.DeleteBackupAsync("backup-2", null, null, Ct);
        Assert.Empty(f.BlockFiles("pvc-1"));
        Assert.Equal("", f.Plane.GetVolume("pvc-1").Status.LastBackup);
    }

    [Fact]
    public async Task A_failed_backup_leaves_an_unfinished_cfg_that_blocks_gc_until_it_is_deleted()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        await f.Plane.WriteAsync("pvc-1", 0, Block(2), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-2", "backup-2");

        f.Plane.Faults.BackupError = "injected upload failure";
        var failed = await f.SnapshotAndBackupAsync("pvc-1", "snap-3", "backup-3");
        f.Plane.Faults.Reset();
        Assert.Equal(BackupStates.Error, failed.State);
        Assert.Contains("injected upload failure", failed.Error);
        Assert.True((await f.Reader.ReadBackupConfigAsync("pvc-1", "backup-3", Ct)).IsInProgress);

        var blocked = await f.Plane.DeleteBackupAsync("backup-1", null, null, Ct);
        Assert.Contains("backup-3", blocked.GarbageCollectionSkipped);
        Assert.True(File.Exists(f.BlockFile("pvc-1", BlockChecksum.Of(Block(1)))));

        await f.Plane.DeleteBackupAsync("backup-3", null, null, Ct);
        Assert.False(File.Exists(f.BlockFile("pvc-1", BlockChecksum.Of(Block(1)))));
        Assert.True(File.Exists(f.BlockFile("pvc-1", BlockChecksum.Of(Block(2)))));
    }

    [Fact]
    public async Task A_corrupt_block_fails_the_restore_naming_the_block()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16, "none");
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        await f.Plane.WriteAsync("pvc-1", 4L * MiB, Block(2), Ct);
        var backup = await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        var bad = BlockChecksum.Of(Block(2));
        var path = f.BlockFile("pvc-1", bad);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var status = await f.RestoreAsync("broken", backup.Url);
        Assert.Equal(RestoreStatus.States.Error, status.State);
        Assert.Contains(bad, status.Error);
        Assert.Contains("backup-1", status.Error);
        var volume = f.Plane.GetVolume("broken");
        Assert.True(volume.Status.RestoreRequired);
        Assert.Equal(VolumeStates.Faulted, volume.Status.Robustness);
    }

    [Fact]
    public async Task Restores_refuse_unknown_targets_unfinished_backups_and_too_small_volumes()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        var backup = await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        await Assert.ThrowsAsync<NotFoundException>(() => f.Plane.StartRestoreAsync(
            new RestoreRequest { VolumeName = "x-1", FromBackup = "nfs://other:/x?backup=backup-1&volume=pvc-1" }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => f.Plane.StartRestoreAsync(
            new RestoreRequest { VolumeName = "x-2", FromBackup = BackupUrl.Encode(TargetUrl, "pvc-1", "backup-9") }, Ct));
        await Assert.ThrowsAsync<InvalidInputException>(() => f.Plane.StartRestoreAsync(
            new RestoreRequest { VolumeName = "x-3", FromBackup = backup.Url, SizeBytes = 4L * MiB }, Ct));
        Assert.DoesNotContain(f.Plane.ListVolumes(), v => v.Name.StartsWith("x-", StringComparison.Ordinal));
    }
}
