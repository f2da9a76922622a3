using System.Globalization;
using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.LonghornCluster;

namespace Wild.Backup.Simulator.Tests.Longhorn.Cluster;

/// <summary>The restore path the product takes: Volume with spec.fromBackup → static PV → PVC with spec.volumeName.</summary>
public sealed class RestoreTests(LonghornCluster lh) : IClassFixture<LonghornCluster>
{
    private const int MiB = 1024 * 1024;

    private static async Task<LhVolume> RestoreVolumeAsync(LonghornCluster c, string name, LhBackup backup) =>
        await c.Volumes.CreateNamespacedAsync(new LhVolume
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new LhVolume.SpecT
            {
                FromBackup = backup.Status!.Url,
                Size = backup.Status.VolumeSize,
                NumberOfReplicas = 3,
                Frontend = "blockdev",
                DataEngine = "v1",
            },
        }, Ns);

    /// <summary>A static PV for a restored volume and a claim bound to it by name, as the product creates them.</summary>
    private static async Task BindAsync(LonghornCluster c, string ns, string volume, string size, string claim)
    {
        await c.Client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = volume },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
                AccessModes = ["ReadWriteOnce"],
                PersistentVolumeReclaimPolicy = "Retain",
                StorageClassName = "longhorn",
                Csi = new V1CSIPersistentVolumeSource { Driver = "driver.longhorn.io", VolumeHandle = volume, FsType = "ext4" },
            },
        });
        await c.Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = claim },
            Spec = new V1PersistentVolumeClaimSpec
            {
                StorageClassName = "longhorn",
                VolumeName = volume,
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
            },
        }, ns);
        await Eventually.WaitAsync(() => c.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(claim, ns), p => p.Status.Phase == "Bound", "restored claim bound", Wait);
    }

    [Fact]
    public async Task A_volume_restored_from_a_backup_and_bound_through_a_static_pv_is_byte_identical()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var source = await lh.CreateClaimAsync(ns, "gitea-data", "48Mi");
        var files = await lh.Longhorn.Writer(ns, "gitea-data").WriteFilesAsync(40, 1000, 300_000, seed: 4, volumeSize: 48L * MiB, default);
        var backup = await lh.BackupAsync(source, Unique("backup"));
        var sourceHash = await lh.Longhorn.ComputeSha256Async(source, default);
        await lh.Longhorn.WriteAsync(ns, "gitea-data", 0, new byte[4096], default); // the app goes on; the backup must not

        var restored = Unique("restored");
        var rv = (await lh.Volumes.ListNamespacedAsync<LonghornList<LhVolume>>(Ns)).Metadata.ResourceVersion;
        var created = await RestoreVolumeAsync(lh, restored, backup);
        Assert.Equal(backup.Status!.VolumeSize, created.Spec.Size);
        Assert.Equal(source, created.Metadata.Labels["backup-volume"]);

        var done = await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, restored),
            v => v.Status is { RestoreRequired: false, State: "detached" }, "restore finished", Wait);
        Assert.True(done.Status!.RestoreInitiated);
        Assert.Equal(("Restore", "False", ""), done.Status.Conditions.Where(c => c.Type == "Restore").Select(c => (c.Type, c.Status, c.Reason)).Single());
        // restoreRequired was true before it was false (what the product waits on).
        Assert.True(await SawRestoreRequiredAsync(restored, rv));

        var engine = await Eventually.WaitAsync(() => lh.Engines.ReadNamespacedAsync<LhEngine>(Ns, restored + "-e-0"),
            e => e.Status?.LastRestoredBackup == backup.Metadata.Name, "engine restore status", Wait);
        Assert.Equal(backup.Metadata.Name, engine.Spec.RequestedBackupRestore);
        Assert.Equal(3, engine.Status!.RestoreStatus!.Count);
        Assert.All(engine.Status.RestoreStatus.Values, r => Assert.Equal((false, 100, "complete"), (r.IsRestoring, r.Progress, r.State)));

        await BindAsync(lh, ns, restored, "48Mi", "gitea-data-restored");
        Assert.Equal(sourceHash, await lh.Longhorn.ComputeSha256Async(restored, default));
        Assert.Empty(await lh.Longhorn.Writer(ns, "gitea-data-restored").FindDamagedFilesAsync(files, default));
        var bound = await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, restored),
            v => v.Status?.KubernetesStatus?.PvcName == "gitea-data-restored", "kubernetesStatus", Wait);
        Assert.Equal(ns.Name, bound.Status!.KubernetesStatus!.Namespace);
    }

    /// <summary>True when a watch from <paramref name="rv"/> shows the volume with restoreRequired true at some point.</summary>
    private async Task<bool> SawRestoreRequiredAsync(string volume, string rv)
    {
        using var cts = new CancellationTokenSource(Wait);
        var events = lh.Client.CustomObjects.WatchListNamespacedCustomObjectAsync("longhorn.io", "v1beta2", Ns, "volumes",
            fieldSelector: $"metadata.name={volume}", resourceVersion: rv, cancellationToken: cts.Token);
        await foreach (var (_, raw) in events)
        {
            var v = KubernetesJson.Deserialize<LhVolume>(KubernetesJson.Serialize(raw));
            if (v.Status?.RestoreRequired == true) return true;
            if (v.Status is { RestoreRequired: false, State: "detached" }) return false;
        }
        return false;
    }

    [Fact]
    public async Task Restores_take_their_size_from_the_backup_and_need_a_known_backup()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var source = await lh.CreateClaimAsync(ns, "data", "10Mi");
        await lh.Longhorn.WriteAsync(ns, "data", 0, new byte[] { 7 }, default);
        var backup = await lh.BackupAsync(source, Unique("backup"));

        backup.Status!.VolumeSize = "2097152"; // a wrong size: Longhorn's webhook takes the backup volume's
        var volume = await RestoreVolumeAsync(lh, Unique("restored"), backup);
        Assert.Equal((10L * MiB).ToString(CultureInfo.InvariantCulture), volume.Spec.Size);

        backup.Status.Url = BackupUrl.Encode(lh.Longhorn.BackupTargetUrl, source, "backup-that-never-was");
        var refused = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => RestoreVolumeAsync(lh, Unique("restored"), backup));
        Assert.Equal("admission webhook \"mutator.longhorn.io\" denied the request: cannot get backup backup-that-never-was: backups.longhorn.io \"backup-that-never-was\" not found", refused.Message);
    }

    [Fact]
    public async Task A_corrupt_block_fails_the_restore_and_faults_the_volume()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var source = await lh.CreateClaimAsync(ns, "data", "8Mi");
        await lh.Longhorn.WriteAsync(ns, "data", 0, new byte[2 * MiB], default);
        await lh.Longhorn.WriteAsync(ns, "data", 2 * MiB, Enumerable.Repeat((byte)1, 2 * MiB).ToArray(), default);
        var backup = await lh.BackupAsync(source, Unique("backup"));
        var blocksDir = Path.Combine(lh.Longhorn.TargetDirectory, BlockStorePaths.BlocksDirectory(source));
        var blocks = Directory.GetFiles(blocksDir, "*.blk", SearchOption.AllDirectories);
        File.Copy(blocks[0], blocks[1], overwrite: true); // a valid lz4 stream under the wrong checksum

        var restored = Unique("restored");
        await RestoreVolumeAsync(lh, restored, backup);
        var failed = await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, restored), v => v.Status?.Robustness == "faulted", "faulted", Wait);
        Assert.True(failed.Status!.RestoreRequired);
        var condition = failed.Status.Conditions.Single(c => c.Type == "Restore");
        Assert.Equal(("False", "RestoreFailure"), (condition.Status, condition.Reason));
        Assert.Contains(Path.GetFileNameWithoutExtension(blocks[1]), condition.Message);
        var engine = await lh.Engines.ReadNamespacedAsync<LhEngine>(Ns, restored + "-e-0");
        Assert.All(engine.Status!.RestoreStatus!.Values, r => Assert.Equal("error", r.State));
        await BindAsync(lh, ns, restored, "8Mi", "broken");
        await Assert.ThrowsAsync<Core.Errors.ConflictException>(() => lh.Longhorn.WriteAsync(ns, "broken", 0, new byte[] { 1 }, default)); // frontend disabled
        await lh.Volumes.DeleteNamespacedAsync<LhVolume>(Ns, restored);
        await Eventually.WaitAsync(async () => (await lh.Volumes.ListNamespacedAsync<LonghornList<LhVolume>>(Ns)).Items.All(v => v.Metadata.Name != restored), "deleted", Wait);
    }

    [Fact]
    public async Task A_new_cluster_pointed_at_the_same_target_finds_the_backups_and_restores_them()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var source = await lh.CreateClaimAsync(ns, "photos", "24Mi");
        await lh.Longhorn.Writer(ns, "photos").WriteFilesAsync(10, 10_000, 500_000, seed: 11, volumeSize: 24L * MiB, default);
        var backup = await lh.BackupAsync(source, Unique("backup"), new Dictionary<string, string> { ["wildbackup.io/app"] = "immich" });
        var hash = await lh.Longhorn.ComputeSha256Async(source, default);

        await using var other = await LonghornCluster.StartAsync(LonghornCluster.Options() with { TargetDirectory = lh.Longhorn.TargetDirectory });
        var bv = await Eventually.WaitAsync(async () => (await other.BackupVolumes.ListNamespacedAsync<LonghornList<LhBackupVolume>>(Ns, labelSelector: $"backup-volume={source}")).Items.SingleOrDefault(),
            b => b?.Status?.LastBackupName == backup.Metadata.Name, "backup volume discovered", Wait);
        Assert.Matches($"^{source}-[0-9a-f]{{8}}$", bv!.Metadata.Name);
        var found = await Eventually.WaitAsync(() => other.Backups.ReadNamespacedAsync<LhBackup>(Ns, backup.Metadata.Name), b => b.Status?.State == "Completed", "backup discovered", Wait);
        Assert.Equal(backup.Status!.Url, found.Status!.Url);
        Assert.Equal(backup.Status.VolumeSize, found.Status.VolumeSize);
        Assert.Equal("immich", found.Status.Labels!["wildbackup.io/app"]);

        var restored = Unique("restored");
        await RestoreVolumeAsync(other, restored, found);
        await Eventually.WaitAsync(() => other.Volumes.ReadNamespacedAsync<LhVolume>(Ns, restored), v => v.Status is { RestoreRequired: false, State: "detached" }, "restored", Wait);
        await using var otherNs = await TestNamespace.CreateAsync(other.Client);
        await BindAsync(other, otherNs, restored, "24Mi", "photos");
        Assert.Equal(hash, await other.Longhorn.ComputeSha256Async(restored, default));
    }
}
