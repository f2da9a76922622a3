using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>Test-WildBackup's engine side: re-verification names what is wrong.</summary>
public abstract class TestBackupTests : DestinationTests
{
    private readonly WildBackupEngine _engine = new();

    protected TestBackupTests(Func<SampleWorld, (string Uri, string LocalView)>? destination = null) : base(destination)
    {
        _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout).GetAwaiter().GetResult();
        _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout).GetAwaiter().GetResult();
    }


    [Fact]
    public async Task Intact_backups_pass()
    {
        var results = await _engine.TestBackupsAsync(World.Selector, null, false, null, NullObserver.Instance, SampleWorld.Timeout);
        Assert.Equal(["cluster", "gitea"], results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Passed));
        Assert.All(results, r => Assert.Empty(r.Warnings));
        Assert.Equal(4, results[1].FilesChecked);
        Assert.True(results[1].BytesChecked > 0);
    }

    [Fact]
    public async Task A_changed_byte_is_found_and_the_file_named()
    {
        var file = World.BackupDir("apps/gitea/config.tar.gz");
        var bytes = File.ReadAllBytes(file);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(file, bytes);
        var r = (await _engine.TestBackupsAsync(World.Selector, ["gitea"], false, null, NullObserver.Instance, SampleWorld.Timeout)).Single();
        Assert.False(r.Passed);
        Assert.Equal("config.tar.gz", Assert.Single(r.Problems).File);
        Assert.Contains("SHA-256", r.Problems[0].Problem);
    }

    [Fact]
    public async Task Missing_truncated_and_unrecorded_files_are_each_reported()
    {
        File.Delete(World.BackupDir("cluster/talosconfig"));
        File.WriteAllText(World.BackupDir("cluster/kubeconfig"), "short");
        File.WriteAllText(World.BackupDir("cluster/notes.txt"), "who put this here");
        var r = (await _engine.TestBackupsAsync(World.Selector, null, true, null, NullObserver.Instance, SampleWorld.Timeout)).Single();
        Assert.Equal("cluster", r.Name);
        Assert.Equal(
            ["kubeconfig: size is 5 bytes, backup.json says " + new FileInfo(Path.Combine(World.InstancePath, "kubeconfig")).Length, "notes.txt: not recorded in backup.json", "talosconfig: missing"],
            r.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_cluster_backup_without_the_Talos_PKI_passes_but_warns_that_the_nodes_cannot_be_recreated()
    {
        File.Delete(Path.Combine(World.InstancePath, "talos", "generated", "secrets.yaml"));
        await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        var observer = new RecordingObserver();
        var r = (await _engine.TestBackupsAsync(World.Selector, null, true, null, observer, SampleWorld.Timeout)).Single();
        Assert.True(r.Passed);
        var warning = Assert.Single(r.Warnings);
        Assert.Contains("no Talos cluster PKI (talos/generated/secrets.yaml)", warning);
        Assert.Contains("cannot be re-created or re-joined", warning);
        Assert.Contains(observer.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone == warning);
    }

    [Fact]
    public async Task A_cluster_backup_from_before_talos_generated_was_backed_up_warns_too()
    {
        // Written by an earlier version: no talos.tar.gz at all.
        var record = World.BackupDir("cluster/backup.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(record))!;
        var files = json["files"]!.AsArray();
        foreach (var f in files.Where(f => f!["name"]!.GetValue<string>() is "talos.tar.gz" or "cluster-nodes.tar.gz").ToList()) files.Remove(f);
        File.WriteAllText(record, json.ToJsonString());
        File.Delete(World.BackupDir("cluster/talos.tar.gz"));
        File.Delete(World.BackupDir("cluster/cluster-nodes.tar.gz"));
        var r = (await _engine.TestBackupsAsync(World.Selector, null, true, null, NullObserver.Instance, SampleWorld.Timeout)).Single();
        Assert.True(r.Passed);
        Assert.Single(r.Warnings);
    }

    [Fact]
    public async Task A_damaged_backup_json_is_reported_not_thrown()
    {
        File.WriteAllText(World.BackupDir("apps/gitea/backup.json"), "{ not json");
        var r = (await _engine.TestBackupsAsync(World.Selector, ["gitea"], false, null, NullObserver.Instance, SampleWorld.Timeout)).Single();
        Assert.Equal("backup.json", Assert.Single(r.Problems).File);
        Assert.Contains("damaged", r.Problems[0].Problem);
    }

    [Fact]
    public async Task Testing_an_app_without_a_backup_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => _engine.TestBackupsAsync(World.Selector, ["redis"], false, null, NullObserver.Instance, SampleWorld.Timeout));
        Assert.Contains("No backup of app 'redis'", ex.Message);
    }
}

public sealed class TestBackupTests_Local() : TestBackupTests();

public sealed class TestBackupTests_Nfs(GaneshaFixture nfs) : TestBackupTests(nfs.Serve), IClassFixture<GaneshaFixture>;
