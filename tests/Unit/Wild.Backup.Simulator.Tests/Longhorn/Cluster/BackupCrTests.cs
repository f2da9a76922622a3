using System.Globalization;
using k8s;
using k8s.Models;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.LonghornCluster;

namespace Wild.Backup.Simulator.Tests.Longhorn.Cluster;

/// <summary>Snapshot, Backup and BackupVolume objects driving real block-store backups, through KubernetesClient.</summary>
public sealed class BackupCrTests(LonghornCluster lh) : IClassFixture<LonghornCluster>
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task A_backup_completes_with_longhorn_status_and_writes_a_block_store_that_debian_lz4_reads()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.CreateClaimAsync(ns, "gitea-data", "64Mi");
        await lh.Longhorn.WriteAsync(ns, "gitea-data", 0, RandomBytes(3 * MiB, 1), default);
        await lh.Longhorn.WriteAsync(ns, "gitea-data", 20 * MiB + 5, RandomBytes(1000, 2), default);

        var snapshotName = Unique("snap");
        var snapshot = await lh.SnapshotAsync(volume, snapshotName, new Dictionary<string, string> { ["wildbackup.io/run"] = "r1" });
        Assert.Equal(volume, snapshot.Metadata.Labels["longhornvolume"]);
        Assert.Equal(volume, Assert.Single(snapshot.Metadata.OwnerReferences).Name);
        Assert.Equal(64L * MiB, snapshot.Status!.RestoreSize);
        Assert.Equal(3L * 2 * MiB, snapshot.Status.Size);            // three 2 MiB tracks hold data
        Assert.Equal("r1", snapshot.Status.Labels!["wildbackup.io/run"]);
        Assert.NotEqual("", snapshot.Status.CreationTime);

        var name = Unique("backup");
        var created = await lh.CreateBackupAsync(name, snapshotName, new Dictionary<string, string> { ["wildbackup.io/app"] = "gitea" });
        // What Longhorn's webhook adds on create.
        Assert.Equal(volume, created.Metadata.Labels["backup-volume"]);
        Assert.Equal("default", created.Metadata.Labels["backup-target"]);
        Assert.Contains("longhorn.io", created.Metadata.Finalizers);
        Assert.Equal("rwo", created.Spec.Labels!["longhorn.io/volume-access-mode"]);
        Assert.Equal("incremental", created.Spec.BackupMode);
        Assert.Null(created.Spec.BackupBlockSize); // v1.10 only

        var done = await lh.WaitBackupFinalAsync(name);
        var s = done.Status!;
        Assert.True(s.State == "Completed", s.Error);
        Assert.Equal(100, s.Progress);
        Assert.Equal($"{lh.Longhorn.BackupTargetUrl}?backup={name}&volume={volume}", s.Url);
        Assert.Equal(snapshotName, s.SnapshotName);
        Assert.Equal(volume, s.VolumeName);
        Assert.Equal((64L * MiB).ToString(CultureInfo.InvariantCulture), s.VolumeSize);
        Assert.Equal((3L * 2 * MiB).ToString(CultureInfo.InvariantCulture), s.Size);
        Assert.Equal("lz4", s.CompressionMethod);
        Assert.Equal("0", s.ReUploadedDataSize);
        Assert.Equal("default", s.BackupTargetName);
        Assert.Equal("gitea", s.Labels!["wildbackup.io/app"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s.BackupCreatedAt);
        Assert.NotEqual("", s.SnapshotCreatedAt);
        Assert.NotNull(s.LastSyncedAt);

        // The block store on disk: volume.cfg, the backup cfg, three blocks whose sizes add up to newlyUploadDataSize.
        Assert.True(File.Exists(Path.Combine(lh.StoreVolumeDirectory(volume), "volume.cfg")));
        Assert.True(File.Exists(Path.Combine(lh.StoreVolumeDirectory(volume), "backups", $"backup_{name}.cfg")));
        var blocks = lh.BlockFiles(volume);
        Assert.Equal(3, blocks.Count);
        Assert.Equal(blocks.Sum(b => new FileInfo(b).Length).ToString(CultureInfo.InvariantCulture), s.NewlyUploadDataSize);
        foreach (var blk in blocks)
        {
            var (length, sha512) = await ReferenceTools.DecodeAndHashAsync("lz4", blk);
            Assert.Equal(2 * MiB, length);
            Assert.Equal(Path.GetFileNameWithoutExtension(blk), sha512);
        }

        var vol = await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, volume), v => v.Status?.LastBackup == name, "volume lastBackup", Wait);
        Assert.NotEqual("", vol.Status!.LastBackupAt);
        Assert.Equal(3L * 2 * MiB, vol.Status.ActualSize); // the tracks that hold data
    }

    [Fact]
    public async Task A_second_backup_after_changing_one_block_uploads_one_block_and_the_backup_volume_follows()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.CreateClaimAsync(ns, "app", "32Mi");
        for (var i = 0; i < 4; i++) await lh.Longhorn.WriteAsync(ns, "app", i * 4L * MiB, RandomBytes(2 * MiB, 10 + i), default);
        var first = await lh.BackupAsync(volume, Unique("backup"));
        var before = lh.BlockFiles(volume).ToHashSet();

        await lh.Longhorn.WriteAsync(ns, "app", 8L * MiB + 4096, RandomBytes(4096, 99), default);
        var secondName = Unique("backup");
        var second = await lh.BackupAsync(volume, secondName);

        var added = Assert.Single(lh.BlockFiles(volume).Except(before));
        Assert.Equal(new FileInfo(added).Length.ToString(CultureInfo.InvariantCulture), second.Status!.NewlyUploadDataSize);
        Assert.Equal(first.Status!.Size, second.Status.Size); // every backup is a complete map
        var (_, sha) = await ReferenceTools.DecodeAndHashAsync("lz4", added);
        Assert.Equal(Path.GetFileNameWithoutExtension(added), sha);

        // The BackupVolume is found by its labels, never by its name (which carries a hash).
        var bvs = await lh.BackupVolumes.ListNamespacedAsync<LonghornList<LhBackupVolume>>(Ns, labelSelector: $"backup-volume={volume},backup-target=default");
        var bv = Assert.Single(bvs.Items);
        Assert.Matches($"^{volume}-[0-9a-f]{{8}}$", bv.Metadata.Name);
        Assert.Equal((volume, "default"), (bv.Spec.VolumeName, bv.Spec.BackupTargetName));
        bv = await Eventually.WaitAsync(() => lh.BackupVolumes.ReadNamespacedAsync<LhBackupVolume>(Ns, bv.Metadata.Name),
            b => b.Status?.LastBackupName == secondName, "backup volume last backup", Wait);
        Assert.Equal((32L * MiB).ToString(CultureInfo.InvariantCulture), bv.Status!.Size);
        Assert.NotEqual("", bv.Status.LastBackupAt);

        var backups = await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns, labelSelector: $"backup-volume={volume}");
        Assert.Equal(2, backups.Items.Count);
    }

    [Fact]
    public async Task A_full_backup_reuploads_what_is_already_in_the_store_and_gzip_volumes_write_gzip_blocks()
    {
        var volume = Unique("vol");
        await lh.Volumes.CreateNamespacedAsync(new LhVolume
        {
            Metadata = new V1ObjectMeta { Name = volume },
            Spec = new LhVolume.SpecT { Size = (16 * MiB).ToString(CultureInfo.InvariantCulture), BackupCompressionMethod = "gzip" },
        }, Ns);
        await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, volume), v => v.Status?.State == "detached", "created", Wait);
        await lh.Longhorn.DataPlane.WriteAsync(volume, 0, RandomBytes(2 * MiB, 5), default);
        await lh.BackupAsync(volume, Unique("backup"));

        var snapshot = Unique("snap");
        await lh.SnapshotAsync(volume, snapshot);
        var full = Unique("backup");
        await lh.CreateBackupAsync(full, snapshot, mode: "full");
        var done = await lh.WaitBackupFinalAsync(full);
        Assert.Equal("Completed", done.Status!.State);
        Assert.Equal("gzip", done.Status.CompressionMethod);
        Assert.Equal("0", done.Status.NewlyUploadDataSize);
        Assert.NotEqual("0", done.Status.ReUploadedDataSize);
        var blk = Assert.Single(lh.BlockFiles(volume));
        var (length, sha) = await ReferenceTools.DecodeAndHashAsync("gzip", blk);
        Assert.Equal((2 * MiB, Path.GetFileNameWithoutExtension(blk)), (length, sha));
        await lh.Volumes.DeleteNamespacedAsync<LhVolume>(Ns, volume);
    }

    [Fact]
    public async Task A_watch_on_a_backup_sees_pending_in_progress_and_completed_in_order()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.CreateClaimAsync(ns, "watched", "16Mi");
        await lh.Longhorn.WriteAsync(ns, "watched", 0, RandomBytes(6 * MiB, 3), default);
        var snapshot = Unique("snap");
        await lh.SnapshotAsync(volume, snapshot);
        var name = Unique("backup");
        lh.Longhorn.Faults.ForVolume(volume).HangBackups = true; // holds it at InProgress until the test lets go

        var states = new List<(string State, int Progress)>();
        using var cts = new CancellationTokenSource(Wait);
        var rv = (await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Metadata.ResourceVersion; // the watch replays from here
        var watching = Task.Run(async () =>
        {
            var events = lh.Client.CustomObjects.WatchListNamespacedCustomObjectAsync("longhorn.io", "v1beta2", Ns, "backups",
                fieldSelector: $"metadata.name={name}", resourceVersion: rv, cancellationToken: cts.Token);
            await foreach (var (_, raw) in events)
            {
                var item = KubernetesJson.Deserialize<LhBackup>(KubernetesJson.Serialize(raw));
                if (item.Status is not { } st || st.State == "") continue;
                lock (states) if (states.Count == 0 || states[^1] != (st.State, st.Progress)) states.Add((st.State, st.Progress));
                if (st.State is "Completed" or "Error") return;
            }
        });
        await lh.CreateBackupAsync(name, snapshot);
        await lh.WaitBackupAsync(name, b => b.Status?.State == "InProgress", "in progress");
        lh.Longhorn.Faults.ForVolume(volume).HangBackups = false;
        await watching.WaitAsync(Wait);

        List<(string State, int Progress)> seen;
        lock (states) seen = [.. states];
        var order = seen.Select(s => s.State).Distinct().ToList();
        Assert.Equal("Completed", order[^1]);
        Assert.Contains("InProgress", order);
        Assert.Equal(order.OrderBy(s => s switch { "Pending" => 0, "InProgress" => 1, _ => 2 }), order);
        Assert.Equal(seen.Select(s => s.Progress).Order(), seen.Select(s => s.Progress)); // progress never goes back
        Assert.Equal(100, seen[^1].Progress);
    }
}
