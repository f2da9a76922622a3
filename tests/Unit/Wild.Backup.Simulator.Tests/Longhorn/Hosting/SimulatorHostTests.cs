using k8s;
using k8s.Models;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Simulator.Hosting;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Longhorn.Hosting;

/// <summary>The host as a person starts it: one command, a kubeconfig, Longhorn, and NFS-Ganesha serving the backup target.</summary>
public sealed class SimulatorHostTests
{
    private const string Ns = "longhorn-system";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task With_an_nfs_export_backups_land_in_the_export_and_read_back_through_nfs()
    {
        var root = Directory.CreateTempSubdirectory("wild-host-").FullName;
        try
        {
            var kubeconfig = Path.Combine(root, "kubeconfig");
            var export = Path.Combine(root, "export");
            var arguments = HostArguments.Parse(["--kubeconfig", kubeconfig, "--nfs-export", export, "--poll-interval", "2s"]);
            string volume, backupName;
            await using (var host = await SimulatorHost.StartAsync(arguments, null, default))
            {
                var nfs = host.Nfs!;
                Assert.True(nfs.IsRunning);
                Assert.Equal(export, nfs.ExportDirectory);
                var text = string.Join('\n', host.Describe());
                Assert.Contains($"Kubeconfig: {kubeconfig}", text);
                Assert.Contains("Longhorn backup target URL: nfs://127.0.0.1:/export", text);
                Assert.Contains($"NFS URL (NFS-Ganesha, NFSv3 over TCP): {nfs.Url()}", text);

                using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
                using var targets = new GenericClient(client, "longhorn.io", "v1beta2", "backuptargets", disposeClient: false);
                var target = await Eventually.WaitAsync(() => targets.ReadNamespacedAsync<LhBackupTarget>(Ns, "default"), t => t.Status?.Available == true, "target available", Wait);
                Assert.Equal("nfs://127.0.0.1:/export", target.Spec.BackupTargetUrl);

                await using var ns = await TestNamespace.CreateAsync(client);
                await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
                {
                    Metadata = new V1ObjectMeta { Name = "data" },
                    Spec = new V1PersistentVolumeClaimSpec
                    {
                        AccessModes = ["ReadWriteOnce"],
                        Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("8Mi") } },
                    },
                }, ns);
                volume = await host.Cluster.Longhorn.WaitForVolumeAsync(ns, "data", Wait, default);
                await host.Cluster.Longhorn.WriteAsync(ns, "data", 1024, "written by an app"u8.ToArray(), default);

                using var snapshots = new GenericClient(client, "longhorn.io", "v1beta2", "snapshots", disposeClient: false);
                using var backups = new GenericClient(client, "longhorn.io", "v1beta2", "backups", disposeClient: false);
                await snapshots.CreateNamespacedAsync(new LhSnapshot { Metadata = new V1ObjectMeta { Name = "snap-host" }, Spec = new LhSnapshot.SpecT { Volume = volume, CreateSnapshot = true } }, Ns);
                await Eventually.WaitAsync(() => snapshots.ReadNamespacedAsync<LhSnapshot>(Ns, "snap-host"), s => s.Status?.ReadyToUse == true, "snapshot", Wait);
                backupName = "backup-host";
                await backups.CreateNamespacedAsync(new LhBackup { Metadata = new V1ObjectMeta { Name = backupName, Labels = new Dictionary<string, string> { ["backup-volume"] = volume } }, Spec = new LhBackup.SpecT { SnapshotName = "snap-host" } }, Ns);
                var done = await Eventually.WaitAsync(() => backups.ReadNamespacedAsync<LhBackup>(Ns, backupName), b => b.Status?.State is "Completed" or "Error", "backup", Wait);
                Assert.Equal("Completed", done.Status!.State);
                Assert.Equal($"nfs://127.0.0.1:/export?backup={backupName}&volume={volume}", done.Status.Url);

                // The product's own NFS client reads the block store through the real NFS server, checksums and all.
                var reader = new BlockStoreReader(new NfsStore(nfs.Url()));
                var map = await reader.ReadBlockMapAsync(volume, backupName, default);
                var block = Assert.Single(map.Blocks);
                var data = await reader.ReadBlockAsync(map, block, default);
                Assert.Equal("written by an app"u8.ToArray(), data.Data.Slice(1024, 17).ToArray());
            }
            Assert.True(File.Exists(Path.Combine(export, BlockStorePaths.BackupConfig(volume, backupName)))); // the store outlives the host
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Without_nfs_the_target_is_a_plain_directory_and_without_longhorn_there_is_none()
    {
        var root = Directory.CreateTempSubdirectory("wild-host-").FullName;
        try
        {
            var store = Path.Combine(root, "store");
            var arguments = HostArguments.Parse(["--kubeconfig", Path.Combine(root, "kc"), "--backup-dir", store, "--longhorn-data", Path.Combine(root, "volumes")]);
            await using (var host = await SimulatorHost.StartAsync(arguments, null, default))
            {
                Assert.Null(host.Nfs);
                Assert.Equal(store, host.Cluster.Longhorn.TargetDirectory);
                Assert.Equal(Path.Combine(root, "volumes"), host.Cluster.Longhorn.DataDirectory);
                Assert.DoesNotContain(host.Describe(), l => l.StartsWith("NFS URL", StringComparison.Ordinal));
                Assert.Contains(host.Describe(), l => l == $"Backup store directory: {store}");
            }
            Assert.True(Directory.Exists(store)); // a directory the person named is never removed

            var bare = HostArguments.Parse(["--kubeconfig", Path.Combine(root, "kc2"), "--no-longhorn"]);
            await using var plain = await SimulatorHost.StartAsync(bare, null, default);
            Assert.Throws<InvalidOperationException>(() => plain.Cluster.Longhorn);
            Assert.DoesNotContain(plain.Describe(), l => l.Contains("Longhorn", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(root, "kc2")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
