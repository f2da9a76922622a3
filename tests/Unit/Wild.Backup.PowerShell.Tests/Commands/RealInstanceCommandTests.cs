using System.Management.Automation;
using Wild.Backup.Api;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.PowerShell.Tests.Commands;

/// <summary>The cmdlets on instances as Wild Cloud leaves them (<see cref="RealisticWorld"/>), in process and through a
/// real server.</summary>
public abstract class RealInstanceCommandTests(Mode mode) : IAsyncLifetime
{
    private readonly RealisticWorld _world = new();
    private ModuleSession _ps = null!;
    private ApiServer? _server;

    public async Task InitializeAsync() => (_ps, _server) = await CmdletWorld.OpenSessionAsync(mode, _world.DataDir, _world.Destination);

    public async Task DisposeAsync()
    {
        _ps.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        _world.Dispose();
    }

    private (List<T> Output, System.Management.Automation.PowerShell Ps) Run<T>(string script)
    {
        var (output, ps) = _ps.Invoke(script);
        return (output.Select(o => (T)o.BaseObject).ToList(), ps);
    }

    private void AssertNoSecretIn(System.Management.Automation.PowerShell ps, IEnumerable<object> output)
    {
        var text = string.Join("\n", ps.Streams.Warning.Select(w => w.Message).Concat(ps.Streams.Error.Select(e => e.ToString()))
            .Concat(ps.Streams.Verbose.Select(v => v.Message)).Concat(output.Select(o => System.Text.Json.JsonSerializer.Serialize(o))));
        Assert.All(_world.Secrets, s => Assert.DoesNotContain(s, text));
    }

    [Fact]
    public void Get_WildApp_lists_every_app_by_directory_and_warns_about_odd_manifests()
    {
        var (apps, ps) = Run<WildApp>("Get-WildApp -Instance home -DataDir $data");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(RealisticWorld.HomeApps, apps.Select(a => a.Name));
        Assert.Equal("llm", apps.Single(a => a.Name == "vllm").Namespace);
        Assert.Contains(ps.Streams.Warning, w => w.Message.Contains("'openWebui'", StringComparison.Ordinal));
        Assert.Contains(ps.Streams.Warning, w => w.Message.Contains("apps/ghost/manifest.yaml is not strict YAML", StringComparison.Ordinal));
        (apps, _) = Run<WildApp>("Get-WildApp open-* -Instance home -DataDir $data");
        Assert.Equal("open-webui", Assert.Single(apps).Name);
    }

    [Fact]
    public void Backup_WildApp_All_backs_up_every_app_including_the_one_whose_manifest_names_it_otherwise()
    {
        var (backups, ps) = Run<BackupInfo>("Backup-WildApp -All -Instance home -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(RealisticWorld.HomeApps, backups.Select(b => b.Name).Order(StringComparer.Ordinal));
        Assert.Contains(ps.Streams.Warning, w => w.Message.Contains("'openWebui'", StringComparison.Ordinal));
        var (listed, _) = Run<BackupInfo>("Get-WildBackup -Instance home -DataDir $data -Destination $dest");
        Assert.Equal(RealisticWorld.HomeApps, listed.Select(b => b.Name));
        AssertNoSecretIn(ps, backups);
    }

    [Fact]
    public void Test_WildBackup_Cluster_warns_when_the_backup_holds_no_Talos_PKI()
    {
        var (_, ps) = Run<BackupInfo>("Backup-WildCluster -Instance lab -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        Assert.Contains(ps.Streams.Warning, w => w.Message.Contains("Talos cluster PKI", StringComparison.Ordinal));

        var (results, test) = Run<BackupTestResult>("Test-WildBackup -Cluster -Instance lab -DataDir $data -Destination $dest");
        Assert.Empty(test.Streams.Error);
        var r = Assert.Single(results);
        Assert.True(r.Passed);
        Assert.Contains("no Talos cluster PKI", Assert.Single(r.Warnings));
        Assert.Contains(test.Streams.Warning, w => w.Message.Contains("cannot be re-created or re-joined", StringComparison.Ordinal));

        (_, ps) = Run<BackupInfo>("Backup-WildCluster -Instance home -DataDir $data -Destination $dest");
        (results, test) = Run<BackupTestResult>("Test-WildBackup -Cluster -Instance home -DataDir $data -Destination $dest");
        Assert.Empty(Assert.Single(results).Warnings);
        Assert.Empty(test.Streams.Warning);
    }

    [Fact]
    public void Restore_WildCluster_rebuilds_a_lost_centrals_instance_and_says_what_it_restored()
    {
        var (_, ps) = Run<BackupInfo>("Backup-WildCluster -Instance home -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        var fresh = _world.InstancePath("rebuilt");
        Directory.CreateDirectory(fresh);
        File.WriteAllText(Path.Combine(fresh, "config.yaml"), "operator:\n    email: \"\"\napps: {}\n");

        var (results, restore) = Run<RestoreResult>("Restore-WildCluster -Instance rebuilt -FromInstance home -DataDir $data -Destination $dest -Confirm:$false");
        Assert.Empty(restore.Streams.Error);
        var result = Assert.Single(results);
        Assert.Equal("home", result.FromInstance);
        Assert.Contains(result.Items, i => i.Item == "talos/generated" && i.Action == RestoreAction.Created);
        Assert.Contains(result.Items, i => i.Item == "setup/cluster-nodes" && i.Action == RestoreAction.Created);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_world.InstancePath("home"), "talos", "generated", "secrets.yaml")),
            File.ReadAllBytes(Path.Combine(fresh, "talos", "generated", "secrets.yaml")));
        AssertNoSecretIn(restore, results);
    }

    [Fact]
    public void Get_WildOperation_lists_the_daemons_operations_read_only_and_Stop_refuses_them()
    {
        var dir = Path.Combine(_world.InstancePath("home"), "operations");
        var before = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        Run<BackupInfo>("Backup-WildApp redis -Instance home -DataDir $data -Destination $dest");

        var (ops, ps) = Run<OperationRecord>("Get-WildOperation -Instance home -DataDir $data");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(3, ops.Count(o => o.Origin == "daemon"));
        Assert.Contains(ops, o => o.Origin == "wildbackup" && o.Type == "backup_app" && o.Target == "redis");
        var running = ops.Single(o => o.Id == RealisticWorld.DaemonRecords.RunningBootstrap);
        Assert.Equal(OperationStatus.Running, running.Status);

        var (_, stop) = Run<OperationRecord>($"Stop-WildOperation -Id {RealisticWorld.DaemonRecords.RunningBootstrap} -Instance home -DataDir $data -Confirm:$false");
        Assert.StartsWith("DaemonOperation,", Assert.Single(stop.Streams.Error).FullyQualifiedErrorId);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllBytes(kv.Key)));
    }
}

public sealed class RealInstanceCommandTests_Local() : RealInstanceCommandTests(Mode.Local);

public sealed class RealInstanceCommandTests_Remote() : RealInstanceCommandTests(Mode.Remote);
