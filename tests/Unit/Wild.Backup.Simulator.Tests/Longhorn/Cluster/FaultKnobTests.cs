using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn.Faults;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.LonghornCluster;

namespace Wild.Backup.Simulator.Tests.Longhorn.Cluster;

/// <summary>
/// The fault knobs seen through the API: an unavailable target (in-process and by annotation), a backup that errors,
/// one that hangs, a throughput limit. These turn cluster-wide knobs, so this class has its own cluster.
/// </summary>
public sealed class FaultKnobTests(FaultKnobTests.Fixture lh) : IClassFixture<FaultKnobTests.Fixture>
{
    public sealed class Fixture : LonghornCluster;

    private const int MiB = 1024 * 1024;

    private async Task<(string Volume, string Snapshot)> SnapshotWithDataAsync(TestNamespace ns, int blocks = 2)
    {
        var volume = await lh.ClaimWithDataAsync(ns, "data", "16Mi", blocks * 2 * MiB, seed: blocks);
        var snapshot = Unique("snap");
        await lh.SnapshotAsync(volume, snapshot);
        return (volume, snapshot);
    }

    private Task AnnotateAsync<T>(GenericClient client, string name, string key, string? value)
        where T : class, IKubernetesObject
    {
        var patch = new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = new System.Text.Json.Nodes.JsonObject { [key] = value } },
        };
        return client.PatchNamespacedAsync<T>(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), Ns, name);
    }

    [Fact]
    public async Task While_the_target_is_unavailable_a_backup_on_1_8_is_admitted_and_ends_in_error()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (_, snapshot) = await SnapshotWithDataAsync(ns);
        lh.Longhorn.Faults.TargetUnavailable = true;
        try
        {
            var target = await lh.WaitTargetAsync(t => t.Status?.Available == false, "unavailable");
            var condition = target.Status!.Conditions.Single(c => c.Type == "Unavailable");
            Assert.Equal(("True", "Unavailable"), (condition.Status, condition.Reason));
            Assert.StartsWith($"failed to list system backups in {lh.Longhorn.BackupTargetUrl}: ", condition.Message);
            Assert.Contains(StorageUnreachableException.StandardMessage, condition.Message);

            // v1.8.1's validator does not look at the target (v1.9.2 and v1.10 refuse: LonghornVersionTests); the backup fails.
            var failed = Unique("backup");
            await lh.CreateBackupAsync(failed, snapshot);
            var done = await lh.WaitBackupFinalAsync(failed);
            Assert.Equal("Error", done.Status!.State);
            Assert.Contains("backup target default is not available", done.Status.Error);
        }
        finally
        {
            lh.Longhorn.Faults.TargetUnavailable = false;
        }
        var back = await lh.WaitTargetAsync(t => t.Status?.Available == true, "available again");
        Assert.Equal("False", back.Status!.Conditions.Single(c => c.Type == "Unavailable").Status);
        Assert.NotNull(back.Status.LastSyncedAt);
        var name = Unique("backup");
        await lh.CreateBackupAsync(name, snapshot);
        Assert.Equal("Completed", (await lh.WaitBackupFinalAsync(name)).Status!.State);
    }

    [Fact]
    public async Task The_target_knobs_are_annotations_for_a_cluster_run_by_hand()
    {
        await AnnotateAsync<LhBackupTarget>(lh.BackupTargets, "default", FaultAnnotations.Unavailable, "true");
        await lh.WaitTargetAsync(t => t.Status?.Available == false, "unavailable by annotation");
        Assert.True(lh.Longhorn.Faults.ForTarget("default").Unavailable);
        await AnnotateAsync<LhBackupTarget>(lh.BackupTargets, "default", FaultAnnotations.Unavailable, null);
        await lh.WaitTargetAsync(t => t.Status?.Available == true, "available once the annotation is gone");

        await AnnotateAsync<LhBackupTarget>(lh.BackupTargets, "default", FaultAnnotations.Throughput, "1048576");
        await Eventually.WaitAsync(() => Task.FromResult(lh.Longhorn.Faults.ForTarget("default").ThroughputLimitBytesPerSecond), v => v == 1048576, "limit applied", Wait);
        await AnnotateAsync<LhBackupTarget>(lh.BackupTargets, "default", FaultAnnotations.Throughput, null);
        await Eventually.WaitAsync(() => Task.FromResult(lh.Longhorn.Faults.ForTarget("default").ThroughputLimitBytesPerSecond), v => v == 0, "limit lifted", Wait);
    }

    [Fact]
    public async Task Target_urls_map_to_the_served_share_or_a_directory_inside_it_and_others_are_unavailable()
    {
        var name = Unique("elsewhere");
        await lh.BackupTargets.CreateNamespacedAsync(new LhBackupTarget
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new LhBackupTarget.SpecT { BackupTargetUrl = "nfs://nas.example:/volume1/backups" },
        }, Ns);
        var target = await lh.WaitTargetAsync(t => t.Status?.Conditions.Count > 0, "checked", name);
        Assert.False(target.Status!.Available);
        Assert.Equal("5m0s", target.Spec.PollInterval);
        Assert.Contains("mount.nfs: access denied by server while mounting nas.example:/volume1/backups", target.Status.Conditions.Single().Message);
        var refused = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => lh.BackupTargets.CreateNamespacedAsync(new LhBackupTarget
        {
            Metadata = new V1ObjectMeta { Name = Unique("ftp") },
            Spec = new LhBackupTarget.SpecT { BackupTargetUrl = "ftp://nas/backups" },
        }, Ns));
        Assert.Contains("url ftp://nas/backups with the unsupported protocol ftp", refused.Message);
        await lh.BackupTargets.DeleteNamespacedAsync<LhBackupTarget>(Ns, name);

        // A directory inside the served share is a target of its own (what a second cluster sharing a NAS uses).
        Directory.CreateDirectory(Path.Combine(lh.Longhorn.TargetDirectory, "cluster-b"));
        var inside = Unique("inside");
        await lh.BackupTargets.CreateNamespacedAsync(new LhBackupTarget
        {
            Metadata = new V1ObjectMeta { Name = inside },
            Spec = new LhBackupTarget.SpecT { BackupTargetUrl = lh.Longhorn.BackupTargetUrl + "/cluster-b", PollInterval = "2s" },
        }, Ns);
        await lh.WaitTargetAsync(t => t.Status?.Available == true, "subdirectory target available", inside);
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.CreateClaimAsync(ns, "data", "4Mi");
        await lh.Volumes.PatchNamespacedAsync<LhVolume>(new V1Patch($$$"""{"spec":{"backupTargetName":"{{{inside}}}"}}""", V1Patch.PatchType.MergePatch), Ns, volume);
        await lh.Longhorn.WriteAsync(ns, "data", 0, new byte[] { 5 }, default);
        var backup = await lh.BackupAsync(volume, Unique("backup"));
        Assert.Equal(inside, backup.Metadata.Labels["backup-target"]);
        Assert.StartsWith(lh.Longhorn.BackupTargetUrl + "/cluster-b?backup=", backup.Status!.Url);
        Assert.True(Directory.Exists(Path.Combine(lh.Longhorn.TargetDirectory, "cluster-b", BlockStorePaths.VolumeDirectory(volume))));
        await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, backup.Metadata.Name);
    }

    [Fact]
    public async Task A_backup_fault_annotation_on_the_volume_ends_its_backups_in_error_with_the_message()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, snapshot) = await SnapshotWithDataAsync(ns);
        await AnnotateAsync<LhVolume>(lh.Volumes, volume, FaultAnnotations.BackupFault, "error");
        await AnnotateAsync<LhVolume>(lh.Volumes, volume, FaultAnnotations.BackupError, "disk on fire");
        await Eventually.WaitAsync(() => Task.FromResult(lh.Longhorn.Faults.ForVolume(volume).BackupError), e => e == "disk on fire", "knob set", Wait);

        var name = Unique("backup");
        await lh.CreateBackupAsync(name, snapshot);
        var failed = await lh.WaitBackupFinalAsync(name);
        Assert.Equal("Error", failed.Status!.State);
        Assert.Contains("disk on fire", failed.Status.Error);
        Assert.NotNull(failed.Status.LastSyncedAt);
        var events = await lh.Client.CoreV1.ListNamespacedEventAsync(Ns, fieldSelector: $"involvedObject.name={name}");
        Assert.Contains(events.Items, e => e.Type == "Warning" && e.Message.Contains("disk on fire"));

        await AnnotateAsync<LhVolume>(lh.Volumes, volume, FaultAnnotations.BackupFault, null);
        await Eventually.WaitAsync(() => Task.FromResult(lh.Longhorn.Faults.ForVolume(volume).BackupError), e => e is null, "knob cleared", Wait);
        var retry = Unique("backup");
        await lh.CreateBackupAsync(retry, snapshot);
        Assert.Equal("Completed", (await lh.WaitBackupFinalAsync(retry)).Status!.State);
    }

    [Fact]
    public async Task A_hanging_backup_stays_in_progress_and_deleting_it_cancels_it_and_removes_its_unfinished_cfg()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, snapshot) = await SnapshotWithDataAsync(ns);
        lh.Longhorn.Faults.ForVolume(volume).HangBackups = true;
        try
        {
            var name = Unique("backup");
            await lh.CreateBackupAsync(name, snapshot);
            var hanging = await lh.WaitBackupAsync(name, b => b.Status?.State == "InProgress", "in progress");
            Assert.Null(hanging.Status!.LastSyncedAt);
            var cfg = Path.Combine(lh.Longhorn.TargetDirectory, BlockStorePaths.BackupConfig(volume, name));
            Assert.True(File.Exists(cfg)); // an unfinished cfg, as Longhorn writes one first

            await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, name);
            await Eventually.WaitAsync(async () => (await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Items.All(b => b.Metadata.Name != name), "gone", Wait);
            Assert.False(File.Exists(cfg));
        }
        finally
        {
            lh.Longhorn.Faults.ForVolume(volume).HangBackups = false;
        }
    }

    [Fact]
    public async Task A_target_that_goes_away_mid_backup_fails_it_with_the_storage_message()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, snapshot) = await SnapshotWithDataAsync(ns);
        lh.Longhorn.Faults.ForVolume(volume).HangBackups = true;
        var name = Unique("backup");
        try
        {
            await lh.CreateBackupAsync(name, snapshot);
            await lh.WaitBackupAsync(name, b => b.Status?.State == "InProgress", "in progress");
            lh.Longhorn.Faults.TargetUnavailable = true;
            lh.Longhorn.Faults.ForVolume(volume).HangBackups = false;
            var failed = await lh.WaitBackupFinalAsync(name);
            Assert.Equal("Error", failed.Status!.State);
            Assert.Contains(StorageUnreachableException.StandardMessage, failed.Status.Error);
        }
        finally
        {
            lh.Longhorn.Faults.ForVolume(volume).HangBackups = false;
            lh.Longhorn.Faults.TargetUnavailable = false;
        }
        await lh.WaitTargetAsync(t => t.Status?.Available == true, "available again");
    }

    [Fact]
    public async Task A_throughput_limit_paces_the_backup_which_still_writes_a_correct_store()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, snapshot) = await SnapshotWithDataAsync(ns, blocks: 3);
        const long limit = 4L * MiB; // random data barely compresses: ~6 MiB to write
        lh.Longhorn.Faults.ForTarget("default").ThroughputLimitBytesPerSecond = limit;
        try
        {
            var name = Unique("backup");
            var clock = Stopwatch.StartNew();
            await lh.CreateBackupAsync(name, snapshot);
            var done = await lh.WaitBackupFinalAsync(name);
            clock.Stop();
            Assert.Equal("Completed", done.Status!.State);
            var uploaded = long.Parse(done.Status.NewlyUploadDataSize, System.Globalization.CultureInfo.InvariantCulture);
            // A floor, never a ceiling: bytes past the first second's worth cannot have gone faster than the limit.
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds((double)(uploaded - limit) / limit * 0.9), $"{uploaded} bytes took only {clock.Elapsed}");

            var restored = Unique("restored");
            await lh.Volumes.CreateNamespacedAsync(new LhVolume { Metadata = new V1ObjectMeta { Name = restored }, Spec = new LhVolume.SpecT { FromBackup = done.Status.Url, Size = done.Status.VolumeSize } }, Ns);
            await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, restored), v => v.Status is { RestoreRequired: false, State: "detached" }, "restored", Wait);
            Assert.Equal(await lh.Longhorn.ComputeSha256Async(volume, default), await lh.Longhorn.ComputeSha256Async(restored, default));
        }
        finally
        {
            lh.Longhorn.Faults.ForTarget("default").ThroughputLimitBytesPerSecond = 0;
        }
    }
}
