using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Samples;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Core.Yaml;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Restores;

/// <summary>Run against a local directory (<c>ClusterRestoreTests_Local</c>) and against nfs:// served by a real NFS-Ganesha
/// (<c>ClusterRestoreTests_Nfs</c>): the same tests, the same expectations.</summary>
public abstract class ClusterRestoreTests(Func<SampleWorld, (string Uri, string LocalView)>? destination = null) : DestinationTests(destination)
{
    private readonly WildBackupEngine _engine = new();


    private string InstanceFile(string name) => Path.Combine(World.InstancePath, name);

    [Fact]
    public async Task Restore_brings_back_cluster_sections_and_keeps_the_current_apps()
    {
        var originalConfig = File.ReadAllText(InstanceFile("config.yaml"));
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);

        // Afterwards: the cluster section changes (to be undone) and the apps change (to be kept).
        var changed = YamlDocumentText.Load(InstanceFile("config.yaml"))
            .SetValue(["cluster", "name"], "wrong-name\n")
            .SetValue(["apps", "nextcloud"], "# added after the backup\ndomain: cloud.example.com\n")
            .Remove(["apps", "redis"]);
        File.WriteAllText(InstanceFile("config.yaml"), changed.Text);
        var appsAfter = YamlDocumentText.Load(InstanceFile("config.yaml")).ExtractTopLevelEntry("apps");

        var result = await _engine.RestoreClusterAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout);

        var restored = File.ReadAllText(InstanceFile("config.yaml"));
        var expected = originalConfig[..originalConfig.IndexOf("# Apps deployed", StringComparison.Ordinal)] + appsAfter;
        Assert.Equal(expected, restored);
        Assert.Contains(result.Items, i => i.Item == "config.yaml" && i.Action == RestoreAction.Merged && i.PreviousSavedAs == InstanceFile("config.yaml") + ".bak");
        Assert.Equal(changed.Text, File.ReadAllText(InstanceFile("config.yaml.bak")));
    }

    [Fact]
    public async Task Kubeconfig_is_replaced_and_talos_generated_swapped_in_the_previous_kept_as_bak_0600()
    {
        var original = File.ReadAllBytes(InstanceFile("kubeconfig"));
        var talos = Path.Combine(World.InstancePath, "talos", "generated");
        var pki = File.ReadAllBytes(Path.Combine(talos, "secrets.yaml"));
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        File.WriteAllText(InstanceFile("kubeconfig"), "apiVersion: v1\nkind: Config\nclusters: []\n");
        File.Delete(Path.Combine(talos, "secrets.yaml"));
        File.WriteAllText(Path.Combine(talos, "talosconfig"), "context: wrong\n");

        var result = await _engine.RestoreClusterAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout);

        Assert.Equal(original, File.ReadAllBytes(InstanceFile("kubeconfig")));
        Assert.Equal("apiVersion: v1\nkind: Config\nclusters: []\n", File.ReadAllText(InstanceFile("kubeconfig.bak")));
        Assert.Equal(pki, File.ReadAllBytes(Path.Combine(talos, "secrets.yaml")));
        Assert.Equal("context: wrong\n", File.ReadAllText(Path.Combine(talos + ".bak", "talosconfig")));
        const UnixFileMode secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(secret, File.GetUnixFileMode(InstanceFile("kubeconfig")));
        Assert.Equal(secret, File.GetUnixFileMode(InstanceFile("secrets.yaml")));
        Assert.All(Directory.EnumerateFiles(talos), f => Assert.Equal(secret, File.GetUnixFileMode(f)));
        Assert.Equal(secret | UnixFileMode.UserExecute, File.GetUnixFileMode(talos));
        Assert.Contains(result.Items, i => i.Item == "kubeconfig" && i.Action == RestoreAction.Replaced);
        Assert.Contains(result.Items, i => i.Item == "talos/generated" && i.Action == RestoreAction.Replaced && i.PreviousSavedAs == talos + ".bak");
        Assert.Contains(result.Items, i => i.Item == "secrets.yaml" && i.Action == RestoreAction.Unchanged);
    }

    [Fact]
    public async Task Node_configs_come_back_private_even_when_they_were_readable_in_the_instance()
    {
        var nodes = Path.Combine(World.InstancePath, "setup", "cluster-nodes");
        var final = Path.Combine(nodes, "final", "wild-cp-1.yaml");
        File.SetUnixFileMode(final, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var content = File.ReadAllBytes(final);
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        Directory.Delete(nodes, recursive: true);

        var result = await _engine.RestoreClusterAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout);

        Assert.Equal(content, File.ReadAllBytes(final));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(final));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(nodes, "final")));
        Assert.Contains(result.Items, i => i.Item == "setup/cluster-nodes" && i.Action == RestoreAction.Created && i.PreviousSavedAs is null);
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(World.InstancePath, "setup"), ".*"));
    }

    [Fact]
    public async Task Cluster_services_are_swapped_in_and_the_previous_tree_kept()
    {
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        var services = Path.Combine(World.InstancePath, "setup", "cluster-services");
        Directory.Delete(Path.Combine(services, "traefik"), recursive: true);
        File.WriteAllText(Path.Combine(services, "stray.yaml"), "x: 1\n");

        await _engine.RestoreClusterAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout);

        Assert.True(File.Exists(Path.Combine(services, "traefik", "wild-manifest.yaml")));
        Assert.False(File.Exists(Path.Combine(services, "stray.yaml")));
        Assert.True(File.Exists(Path.Combine(services + ".bak", "stray.yaml")));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(World.InstancePath, "setup"), ".*"));
    }

    [Fact]
    public async Task Migration_restores_another_instances_backup_into_this_instance()
    {
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        var (newPath, _) = SampleInstance.Write(World.DataDir, "new-cloud", seed: 99);
        File.Delete(Path.Combine(newPath, "kubeconfig"));
        var selector = World.Selector with { Instance = "new-cloud" };

        var result = await _engine.RestoreClusterAsync(selector, "demo-cloud", NullObserver.Instance, SampleWorld.Timeout);

        Assert.Equal("new-cloud", result.Instance);
        Assert.Equal("demo-cloud", result.FromInstance);
        Assert.Equal(File.ReadAllBytes(InstanceFile("kubeconfig")), File.ReadAllBytes(Path.Combine(newPath, "kubeconfig")));
        Assert.Equal("demo-cloud-cluster", YamlDocumentText.Load(Path.Combine(newPath, "config.yaml")).GetScalar(["cluster", "name"]));
    }

    [Fact]
    public async Task A_damaged_backup_restores_nothing()
    {
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        File.WriteAllText(InstanceFile("kubeconfig"), "current");
        var tampered = World.BackupDir("cluster/cluster-config.yaml");
        File.AppendAllText(tampered, "evil: true\n");
        var before = Directory.EnumerateFiles(World.InstancePath, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);

        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => _engine.RestoreClusterAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout));

        Assert.Contains("cluster-config.yaml", ex.Message);
        Assert.Contains("Nothing was restored", ex.Message);
        var after = Directory.EnumerateFiles(World.InstancePath, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, kv => Assert.Equal(kv.Value, after[kv.Key]));
    }

    [Fact]
    public async Task Restore_without_a_backup_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => _engine.RestoreClusterAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout));
        Assert.Contains("No backup of the cluster", ex.Message);
    }

    [Fact]
    public async Task Restore_reports_the_restore_milestones()
    {
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        var observer = new RecordingObserver();
        await _engine.RestoreClusterAsync(World.Selector, null, observer, SampleWorld.Timeout);
        var events = observer.Progress("cluster").ToList();
        Assert.Equal((10, "Validating backup"), (events[0].Percent, events[0].Milestone));
        Assert.Equal((100, "Restore complete"), (events[^1].Percent, events[^1].Milestone));
    }
}

public sealed class ClusterRestoreTests_Local() : ClusterRestoreTests();

public sealed class ClusterRestoreTests_Nfs(GaneshaFixture nfs) : ClusterRestoreTests(nfs.Serve), IClassFixture<GaneshaFixture>;
