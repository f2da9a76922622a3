using System.Globalization;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.DataPlaneFixture;

namespace Wild.Backup.Simulator.Tests.Longhorn;

public sealed class BackupTests
{
    private static long Sum(IEnumerable<string> files) => files.Sum(p => new FileInfo(p).Length);

    [Fact]
    public async Task A_backup_reports_status_as_longhorn_does_and_writes_the_block_store()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 32);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        await f.Plane.WriteAsync("pvc-1", 6L * MiB, Block(2), Ct);
        await f.Plane.CreateSnapshotAsync("pvc-1", "snap-1", null, Ct);
        var handle = await f.Plane.StartBackupAsync(new BackupRequest { BackupName = "backup-1", SnapshotName = "snap-1", Labels = new Dictionary<string, string> { ["app"] = "demo" } }, Ct);
        var states = new List<string>();
        handle.Operation.StatusChanged += s => { lock (states) states.Add(s.State); };
        var status = await handle.Operation.WaitAsync(Wait, Ct);

        Assert.Equal(BackupStates.Completed, status.State);
        Assert.Null(status.Error);
        Assert.Equal(100, status.Progress);
        Assert.Equal("nfs://127.0.0.1:/export?backup=backup-1&volume=pvc-1", status.Url);
        Assert.Equal((2L * BlockSize).ToString(CultureInfo.InvariantCulture), status.Size);
        Assert.Equal((32L * MiB).ToString(CultureInfo.InvariantCulture), status.VolumeSize);
        Assert.Equal(Sum(f.BlockFiles("pvc-1")).ToString(CultureInfo.InvariantCulture), status.NewlyUploadDataSize);
        Assert.Equal("0", status.ReUploadedDataSize);
        Assert.Equal("lz4", status.CompressionMethod);
        Assert.Equal("snap-1", status.SnapshotName);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", status.BackupCreatedAt);
        Assert.NotEqual("", status.SnapshotCreatedAt);
        Assert.Equal("default", status.BackupTargetName);
        Assert.Equal("demo", status.Labels!["app"]);
        Assert.Equal("rwo", status.Labels[LonghornDataPlane.LabelVolumeAccessMode]);
        Assert.Equal("pvc-1", handle.Admission.MetadataLabels["backup-volume"]);
        Assert.Equal("default", handle.Admission.MetadataLabels["backup-target"]);
        Assert.DoesNotContain(BackupStates.Error, states);
        Assert.Contains(BackupStates.InProgress, states);
        Assert.Equal(BackupStates.Completed, states[^1]);

        var volume = f.Plane.GetVolume("pvc-1");
        Assert.Equal("backup-1", volume.Status.LastBackup);
        var cfg = await f.Reader.ReadBackupConfigAsync("pvc-1", "backup-1", Ct);
        Assert.Equal([0L, 6L * MiB], cfg.Blocks.Select(b => b.Offset));
        Assert.Equal(2, f.Plane.Volume("pvc-1").SnapshotTrackReads); // holes are never read
    }

    [Fact]
    public async Task A_second_backup_after_changing_one_block_reads_and_uploads_exactly_that_block()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 32);
        for (var i = 0; i < 5; i++) await f.Plane.WriteAsync("pvc-1", i * 4L * MiB, Block(i), Ct);
        Assert.Equal(BackupStates.Completed, (await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1")).State);
        var before = f.BlockFiles("pvc-1").ToHashSet();
        var readsBefore = f.Plane.Volume("pvc-1").SnapshotTrackReads;

        await f.Plane.WriteAsync("pvc-1", 8L * MiB + 100, new byte[] { 1, 2, 3 }, Ct);
        var second = await f.SnapshotAndBackupAsync("pvc-1", "snap-2", "backup-2");

        Assert.Equal(BackupStates.Completed, second.State);
        Assert.Equal(1, f.Plane.Volume("pvc-1").SnapshotTrackReads - readsBefore);
        var added = Assert.Single(f.BlockFiles("pvc-1").Except(before));
        Assert.Equal(new FileInfo(added).Length.ToString(CultureInfo.InvariantCulture), second.NewlyUploadDataSize);
        var cfg = await f.Reader.ReadBackupConfigAsync("pvc-1", "backup-2", Ct);
        Assert.True(cfg.IsIncremental);
        Assert.Equal(5, cfg.Blocks.Count); // a complete map, restorable alone
        Assert.Equal((5L * BlockSize).ToString(CultureInfo.InvariantCulture), second.Size);
    }

    [Fact]
    public async Task Content_already_in_the_store_is_not_uploaded_again()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(7), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        await f.Plane.WriteAsync("pvc-1", 8L * MiB, Block(7), Ct); // same content elsewhere
        var second = await f.SnapshotAndBackupAsync("pvc-1", "snap-2", "backup-2");
        Assert.Equal("0", second.NewlyUploadDataSize);
        Assert.Single(f.BlockFiles("pvc-1"));
    }

    [Fact]
    public async Task A_full_backup_rereads_everything_and_reports_reuploaded_data()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        await f.Plane.WriteAsync("pvc-1", 4L * MiB, Block(2), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        var full = await f.SnapshotAndBackupAsync("pvc-1", "snap-2", "backup-2", BackupMode.Full);
        Assert.Equal("0", full.NewlyUploadDataSize);
        Assert.Equal(Sum(f.BlockFiles("pvc-1")).ToString(CultureInfo.InvariantCulture), full.ReUploadedDataSize);
        Assert.False((await f.Reader.ReadBackupConfigAsync("pvc-1", "backup-2", Ct)).IsIncremental);
    }

    [Fact]
    public async Task Without_the_last_backed_up_snapshot_the_next_backup_is_full()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        await f.Plane.WriteAsync("pvc-1", 4L * MiB, Block(2), Ct);
        await f.Plane.CreateSnapshotAsync("pvc-1", "snap-2", null, Ct);
        await f.Plane.DeleteSnapshotAsync("snap-1", Ct);
        var readsBefore = f.Plane.Volume("pvc-1").SnapshotTrackReads;
        var handle = await f.Plane.StartBackupAsync(new BackupRequest { BackupName = "backup-2", SnapshotName = "snap-2" }, Ct);
        var status = await handle.Operation.WaitAsync(Wait, Ct);
        Assert.Equal(BackupStates.Completed, status.State);
        Assert.Equal(2, f.Plane.Volume("pvc-1").SnapshotTrackReads - readsBefore);
        Assert.False((await f.Reader.ReadBackupConfigAsync("pvc-1", "backup-2", Ct)).IsIncremental);
    }

    [Theory]
    [InlineData("lz4")]
    [InlineData("gzip")]
    [InlineData("none")]
    public async Task Every_method_round_trips_and_every_blk_checks_out_with_debians_tools(string method)
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-" + method, 32, method);
        var writer = new Simulator.Longhorn.Volumes.VolumeDataWriter(f.Plane, "pvc-" + method);
        var files = await writer.WriteFilesAsync(25, 500, 300_000, seed: 11, volumeSize: 32L * MiB, Ct);
        var status = await f.SnapshotAndBackupAsync("pvc-" + method, "snap-1", "backup-1");
        Assert.Equal(method, status.CompressionMethod);

        var cfg = await f.Reader.ReadBackupConfigAsync("pvc-" + method, "backup-1", Ct);
        var blks = f.BlockFiles("pvc-" + method);
        Assert.Equal(cfg.Blocks.Select(b => b.BlockChecksum).Distinct().Count(), blks.Count);
        foreach (var blk in blks)
        {
            var (length, sha) = await ReferenceTools.DecodeAndHashAsync(method, blk);
            Assert.Equal(BlockSize, length);
            Assert.Equal(Path.GetFileNameWithoutExtension(blk), sha);
        }

        var restored = await f.RestoreAsync("restored-" + method, status.Url);
        Assert.Equal(RestoreStatus.States.Complete, restored.State);
        Assert.Equal(f.VolumeSha256("pvc-" + method), f.VolumeSha256("restored-" + method));
        Assert.Empty(await new Simulator.Longhorn.Volumes.VolumeDataWriter(f.Plane, "restored-" + method).FindDamagedFilesAsync(files, Ct));
    }

    [Fact]
    public async Task Listing_the_target_gives_backup_volumes_and_completed_backups()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("pvc-1", 16);
        await f.Plane.WriteAsync("pvc-1", 0, Block(1), Ct);
        await f.SnapshotAndBackupAsync("pvc-1", "snap-1", "backup-1");
        await f.SnapshotAndBackupAsync("pvc-1", "snap-2", "backup-2");

        var volumes = await f.Plane.ListBackupVolumesAsync("default", Ct);
        var bv = Assert.Single(volumes);
        Assert.Equal("pvc-1", bv.Spec.VolumeName);
        Assert.Equal("backup-2", bv.Status.LastBackupName);
        Assert.Equal((16L * MiB).ToString(CultureInfo.InvariantCulture), bv.Status.Size);
        Assert.Equal(BlockSize.ToString(CultureInfo.InvariantCulture), bv.Status.DataStored);

        var backups = await f.Plane.ListBackupsAsync("default", "pvc-1", Ct);
        Assert.Equal(["backup-1", "backup-2"], backups.Select(b => BackupUrl.Decode(b.Url).BackupName));
        Assert.All(backups, b => Assert.Equal(BackupStates.Completed, b.State));
        Assert.Equal(f.Plane.GetBackupStatus("backup-2")!.Size, backups[1].Size);
    }
}
