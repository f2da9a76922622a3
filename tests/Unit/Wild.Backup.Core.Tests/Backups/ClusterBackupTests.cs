using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Core.Yaml;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>Run against a local directory (<c>ClusterBackupTests_Local</c>) and against nfs:// served by a real NFS-Ganesha
/// (<c>ClusterBackupTests_Nfs</c>): the same tests, the same expectations.</summary>
public abstract class ClusterBackupTests(Func<SampleWorld, (string Uri, string LocalView)>? destination = null) : DestinationTests(destination)
{
    private readonly WildBackupEngine _engine = new();


    [Fact]
    public async Task Cluster_backup_has_the_designed_files()
    {
        var info = await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        var dir = World.BackupDir("cluster");
        Assert.Equal(
            ["backup.json", "cluster-config.yaml", "cluster-nodes.tar.gz", "cluster-secrets.yaml", "kubeconfig", "setup.tar.gz", "talos.tar.gz", "talosconfig"],
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(BackupKind.Cluster, info.Kind);
        Assert.Equal("cluster", info.Name);
        Assert.Empty(info.Absent);
        foreach (var secret in new[] { "kubeconfig", "talosconfig", "talos.tar.gz", "cluster-secrets.yaml", "cluster-nodes.tar.gz" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, secret)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(World.InstancePath, "kubeconfig")), File.ReadAllBytes(Path.Combine(dir, "kubeconfig")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(World.InstancePath, "talos", "generated", "talosconfig")), File.ReadAllBytes(Path.Combine(dir, "talosconfig")));
    }

    [Fact]
    public async Task The_Talos_files_and_node_configs_are_archived_as_they_are_in_the_instance()
    {
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        foreach (var (archive, tree) in new[] { ("talos.tar.gz", Path.Combine("talos", "generated")), ("cluster-nodes.tar.gz", Path.Combine("setup", "cluster-nodes")) })
        {
            using var outDir = new TempDir();
            var (code, output) = SampleWorld.Run("tar", "-xzf", World.BackupDir("cluster/" + archive), "-C", outDir.Path);
            Assert.True(code == 0, output);
            AppBackupTests.AssertSameTree(Path.Combine(World.InstancePath, tree), outDir.Path);
        }
    }

    [Fact]
    public async Task Cluster_config_is_config_yaml_without_apps_comments_kept()
    {
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        var text = File.ReadAllText(World.BackupDir("cluster/cluster-config.yaml"));
        var original = File.ReadAllText(Path.Combine(World.InstancePath, "config.yaml"));
        Assert.Equal(original[..original.IndexOf("# Apps deployed", StringComparison.Ordinal)], text);
        Assert.Contains("# The NAS: media share and backups", text);
        var secrets = YamlDocumentText.Load(World.BackupDir("cluster/cluster-secrets.yaml"));
        Assert.False(secrets.Contains(["apps"]));
        Assert.NotNull(secrets.GetScalar(["cluster", "talos", "secretboxKey"]));
    }

    [Fact]
    public async Task A_talosconfig_left_at_the_instance_root_by_older_tooling_is_still_backed_up()
    {
        var talosconfig = Path.Combine(World.InstancePath, "talos", "generated", "talosconfig");
        File.Move(talosconfig, Path.Combine(World.InstancePath, "talosconfig"));
        var observer = new RecordingObserver();
        await _engine.BackupClusterAsync(World.Selector, observer, SampleWorld.Timeout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(World.InstancePath, "talosconfig")), File.ReadAllBytes(World.BackupDir("cluster/talosconfig")));
        Assert.Contains(observer.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains("not in talos/generated/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Setup_archive_holds_the_cluster_services_tree()
    {
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        using var outDir = new TempDir();
        var (code, output) = SampleWorld.Run("tar", "-xzf", World.BackupDir("cluster/setup.tar.gz"), "-C", outDir.Path);
        Assert.True(code == 0, output);
        AppBackupTests.AssertSameTree(Path.Combine(World.InstancePath, "setup", "cluster-services"), outDir.Path);
    }

    [Fact]
    public async Task Absent_optional_files_are_recorded_as_absent()
    {
        Directory.Delete(Path.Combine(World.InstancePath, "talos"), recursive: true);
        Directory.Delete(Path.Combine(World.InstancePath, "setup"), recursive: true);
        var observer = new RecordingObserver();
        var info = await _engine.BackupClusterAsync(World.Selector, observer, SampleWorld.Timeout);
        string[] absent = ["talosconfig", "talos.tar.gz", "talos/generated/secrets.yaml", "setup.tar.gz", "cluster-nodes.tar.gz"];
        Assert.Equal(absent, info.Absent);
        Assert.DoesNotContain(info.Files, f => f.Name == "talosconfig");
        var record = BackupRecord.Parse(File.ReadAllBytes(World.BackupDir("cluster/backup.json")), "x");
        Assert.Equal(absent, record.Absent);
        Assert.Contains(observer.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.StartsWith("The Talos cluster PKI (talos/generated/secrets.yaml) does not exist", StringComparison.Ordinal));
        Assert.Contains(observer.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.StartsWith("talosconfig recorded as absent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_backups_lists_apps_and_cluster()
    {
        await foreach (var _ in _engine.BackupAppsAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout)) { }
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        var all = await _engine.GetBackupsAsync(World.Selector, null, SampleWorld.Timeout);
        Assert.Equal(["cluster", "gitea", "immich", "postgres", "redis"], all.Select(b => b.Name));
        Assert.All(all, b => Assert.True(b.Size > 0));
        var gitea = await _engine.GetAppBackupAsync(World.Selector, "gitea", null, SampleWorld.Timeout);
        Assert.Equivalent(all[1], gitea, strict: true);
        Assert.Null(await _engine.GetAppBackupAsync(World.Selector, "nextcloud", null, SampleWorld.Timeout));
    }
}

public sealed class ClusterBackupTests_Local() : ClusterBackupTests();

public sealed class ClusterBackupTests_Nfs(GaneshaFixture nfs) : ClusterBackupTests(nfs.Serve), IClassFixture<GaneshaFixture>;
