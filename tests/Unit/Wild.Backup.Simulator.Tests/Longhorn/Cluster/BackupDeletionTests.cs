using k8s;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.LonghornCluster;

namespace Wild.Backup.Simulator.Tests.Longhorn.Cluster;

/// <summary>Deleting Backup objects: the finalizer, the store deletion with garbage collection, failures, unavailable targets.</summary>
public sealed class BackupDeletionTests(LonghornCluster lh) : IClassFixture<LonghornCluster>
{
    private const int MiB = 1024 * 1024;

    private HashSet<string> BlockFiles(string volume) => [.. lh.BlockFiles(volume).Select(Path.GetFileName).OfType<string>()];

    private async Task<bool> GoneAsync(string backup) =>
        (await lh.Backups.ListNamespacedAsync<LonghornList<LhBackup>>(Ns)).Items.All(b => b.Metadata.Name != backup);

    /// <summary>A claim with four written blocks and two backups that differ in one block.</summary>
    private async Task<(string Volume, string First, string Second)> TwoBackupsAsync(TestNamespace ns)
    {
        var volume = await lh.CreateClaimAsync(ns, "data", "16Mi");
        for (var i = 0; i < 4; i++) await lh.Longhorn.WriteAsync(ns, "data", i * 2L * MiB, RandomBytes(2 * MiB, i), default);
        var first = Unique("backup");
        await lh.BackupAsync(volume, first);
        await lh.Longhorn.WriteAsync(ns, "data", 2L * MiB, RandomBytes(2 * MiB, 50), default);
        var second = Unique("backup");
        await lh.BackupAsync(volume, second);
        return (volume, first, second);
    }

    [Fact]
    public async Task Deleting_a_backup_removes_its_cfg_and_only_the_blocks_no_other_backup_uses_then_the_object()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var (volume, first, second) = await TwoBackupsAsync(ns);
        var blocks = BlockFiles(volume);
        Assert.Equal(5, blocks.Count);
        var firstBlocks = (await new BlockStoreReader(new Core.Storage.LocalDirectoryStore(lh.Longhorn.TargetDirectory)).ReadBackupConfigAsync(volume, first, default))
            .Blocks.Select(b => b.BlockChecksum + ".blk").ToHashSet();

        await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, first);
        await Eventually.WaitAsync(() => GoneAsync(first), "backup object gone", Wait);

        Assert.False(File.Exists(lh.BackupCfgPath(volume, first)));
        Assert.True(File.Exists(lh.BackupCfgPath(volume, second)));
        var left = BlockFiles(volume);
        Assert.Equal(4, left.Count);
        Assert.Single(blocks.Except(left));
        Assert.Contains(blocks.Except(left).Single(), firstBlocks); // the block only the first backup had
        var bv = Assert.Single((await lh.BackupVolumes.ListNamespacedAsync<LonghornList<LhBackupVolume>>(Ns, labelSelector: $"backup-volume={volume}")).Items);
        await Eventually.WaitAsync(() => lh.BackupVolumes.ReadNamespacedAsync<LhBackupVolume>(Ns, bv.Metadata.Name), b => b.Status?.LastBackupName == second, "last backup", Wait);

        await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, second);
        await Eventually.WaitAsync(() => GoneAsync(second), "second backup object gone", Wait);
        Assert.Empty(BlockFiles(volume));
        Assert.True(File.Exists(Path.Combine(lh.StoreVolumeDirectory(volume), "volume.cfg"))); // the backup volume stays, as in Longhorn
    }

    [Fact]
    public async Task A_failed_store_deletion_shows_as_error_keeps_the_finalizer_and_the_data_and_is_retried()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "8Mi", MiB, seed: 7);
        var name = Unique("backup");
        await lh.BackupAsync(volume, name);
        lh.Longhorn.Faults.ForVolume(volume).DeleteError = "input/output error";
        try
        {
            await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, name);
            var failed = await lh.WaitBackupAsync(name, b => b.Status?.State == "Error", "deletion failed");
            Assert.NotNull(failed.Metadata.DeletionTimestamp);
            Assert.Contains("longhorn.io", failed.Metadata.Finalizers);
            Assert.Equal($"Failed to delete the backup {lh.Longhorn.BackupTargetUrl}?backup={name}&volume={volume} in the backupstore, err input/output error", failed.Status!.Messages!["error"]);
            Assert.True(File.Exists(lh.BackupCfgPath(volume, name)));
        }
        finally
        {
            lh.Longhorn.Faults.ForVolume(volume).DeleteError = null;
        }
        await Eventually.WaitAsync(() => GoneAsync(name), "deleted on a later attempt", Wait);
        Assert.False(File.Exists(lh.BackupCfgPath(volume, name)));
    }

    [Fact]
    public async Task Deleting_a_backup_while_the_target_is_unavailable_leaves_the_data_and_the_backup_comes_back_with_the_target()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "8Mi", MiB, seed: 8);
        var name = Unique("backup");
        var original = await lh.BackupAsync(volume, name);

        lh.Longhorn.Faults.ForTarget("default").Unavailable = true;
        try
        {
            await lh.WaitTargetAsync(t => t.Status?.Available == false, "target unavailable");
            await lh.Backups.DeleteNamespacedAsync<LhBackup>(Ns, name);
            await Eventually.WaitAsync(() => GoneAsync(name), "object gone", Wait);
            Assert.True(File.Exists(lh.BackupCfgPath(volume, name))); // Longhorn only deletes store data through an available target
        }
        finally
        {
            lh.Longhorn.Faults.ForTarget("default").Unavailable = false;
        }

        var back = await lh.WaitBackupAsync(name, b => b.Status?.State == "Completed", "backup pulled back from the store");
        Assert.Equal(original.Status!.Url, back.Status!.Url);
        Assert.Equal(original.Status.Size, back.Status.Size);
        Assert.Equal(original.Status.VolumeSize, back.Status.VolumeSize);
        Assert.Equal(original.Status.SnapshotName, back.Status.SnapshotName);
        Assert.Null(back.Spec.SnapshotName);
        Assert.Equal((volume, "default"), (back.Metadata.Labels["backup-volume"], back.Metadata.Labels["backup-target"]));
        Assert.Contains("longhorn.io", back.Metadata.Finalizers);
    }

    [Fact]
    public async Task Deleting_the_claim_and_its_volume_keeps_the_backups()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volume = await lh.ClaimWithDataAsync(ns, "data", "8Mi", MiB, seed: 9);
        var name = Unique("backup");
        await lh.BackupAsync(volume, name);

        await lh.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", ns);
        await Eventually.WaitAsync(async () => (await lh.Volumes.ListNamespacedAsync<LonghornList<LhVolume>>(Ns)).Items.All(v => v.Metadata.Name != volume), "volume deleted", Wait);
        Assert.Equal("Completed", (await lh.Backups.ReadNamespacedAsync<LhBackup>(Ns, name)).Status!.State);
        Assert.True(File.Exists(lh.BackupCfgPath(volume, name)));
        Assert.Single((await lh.BackupVolumes.ListNamespacedAsync<LonghornList<LhBackupVolume>>(Ns, labelSelector: $"backup-volume={volume}")).Items);
    }
}
