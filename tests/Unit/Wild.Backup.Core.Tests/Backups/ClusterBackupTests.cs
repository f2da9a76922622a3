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
            ["backup.json", "cluster-config.yaml", "cluster-secrets.yaml", "kubeconfig", "setup.tar.gz", "talosconfig"],
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(BackupKind.Cluster, info.Kind);
        Assert.Equal("cluster", info.Name);
        Assert.Empty(info.Absent);
        foreach (var secret in new[] { "kubeconfig", "talosconfig", "cluster-secrets.yaml" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, secret)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(World.InstancePath, "kubeconfig")), File.ReadAllBytes(Path.Combine(dir, "kubeconfig")));
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
        File.Delete(Path.Combine(World.InstancePath, "talosconfig"));
        Directory.Delete(Path.Combine(World.InstancePath, "setup"), recursive: true);
        var observer = new RecordingObserver();
        var info = await _engine.BackupClusterAsync(World.Selector, observer, SampleWorld.Timeout);
        Assert.Equal(["talosconfig", "setup.tar.gz"], info.Absent);
        Assert.DoesNotContain(info.Files, f => f.Name == "talosconfig");
        var record = BackupRecord.Parse(File.ReadAllBytes(World.BackupDir("cluster/backup.json")), "x");
        Assert.Equal(["talosconfig", "setup.tar.gz"], record.Absent);
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
