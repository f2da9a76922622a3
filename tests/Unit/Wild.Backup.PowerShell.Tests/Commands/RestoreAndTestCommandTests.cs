using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.PowerShell.Tests.Commands;

public abstract class RestoreAndTestCommandTests(Mode mode) : IAsyncLifetime
{
    private CmdletWorld _cw = null!;
    private SampleWorld _world = null!;
    private ModuleSession _ps = null!;

    public async Task InitializeAsync()
    {
        _cw = await CmdletWorld.StartAsync(mode);
        (_world, _ps) = (_cw.World, _cw.Ps);
        var (_, ps) = _ps.Invoke("Backup-WildApp -All -DataDir $data -Destination $dest; Backup-WildCluster -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
    }

    public async Task DisposeAsync() => await _cw.DisposeAsync();

    [Fact]
    public void Get_WildBackup_lists_the_latest_backups()
    {
        var (output, _) = _ps.Invoke("Get-WildBackup -DataDir $data -Destination $dest");
        Assert.Equal(["cluster", "gitea", "immich", "postgres", "redis"], output.Select(o => ((BackupInfo)o.BaseObject).Name));
        (output, _) = _ps.Invoke("Get-WildBackup -Cluster -DataDir $data -Destination $dest");
        Assert.Equal(BackupKind.Cluster, ((BackupInfo)Assert.Single(output).BaseObject).Kind);
    }

    [Fact]
    public void Test_WildBackup_passes_intact_backups_and_names_the_damaged_file()
    {
        var (output, ps) = _ps.Invoke("Get-WildBackup -DataDir $data -Destination $dest | Test-WildBackup -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        var results = output.Select(o => (BackupTestResult)o.BaseObject).ToList();
        Assert.Equal(5, results.Count);
        Assert.Contains(results, r => r.Kind == BackupKind.Cluster && r.Passed);

        File.AppendAllText(_world.BackupDir("apps/immich/app-config.yaml"), "# tampered\n");
        (output, ps) = _ps.Invoke("Test-WildBackup immich -DataDir $data -Destination $dest");
        var r = (BackupTestResult)Assert.Single(output).BaseObject;
        Assert.False(r.Passed);
        var error = Assert.Single(ps.Streams.Error);
        Assert.StartsWith("BackupDamaged,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains("app-config.yaml", error.Exception.Message);
    }

    [Fact]
    public void Restore_WildCluster_asks_first_and_restores_on_yes()
    {
        var kubeconfig = Path.Combine(_world.InstancePath, "kubeconfig");
        var original = File.ReadAllText(kubeconfig);
        File.WriteAllText(kubeconfig, "broken");
        _ps.Host.ConfirmAnswer = 2;
        var (output, _) = _ps.Invoke("Restore-WildCluster -DataDir $data -Destination $dest");
        Assert.Empty(output);
        Assert.Single(_ps.Host.Prompts); // ConfirmImpact High asks without -Confirm
        Assert.Equal("broken", File.ReadAllText(kubeconfig));

        var (output2, ps) = _ps.Invoke("Restore-WildCluster -DataDir $data -Destination $dest -Confirm:$false");
        Assert.Empty(ps.Streams.Error);
        var result = (RestoreResult)Assert.Single(output2).BaseObject;
        Assert.Equal(original, File.ReadAllText(kubeconfig));
        Assert.Contains(result.Items, i => i.Item == "kubeconfig" && i.Action == RestoreAction.Replaced);
        Assert.Contains(ps.Streams.Progress, p => p.StatusDescription.StartsWith("Validating backup", StringComparison.Ordinal) && p.PercentComplete == 10);
    }

    [Fact]
    public void Restore_WildCluster_WhatIf_changes_nothing()
    {
        var before = File.ReadAllText(Path.Combine(_world.InstancePath, "config.yaml"));
        var (output, _) = _ps.Invoke("Restore-WildCluster -DataDir $data -Destination $dest -WhatIf");
        Assert.Empty(output);
        Assert.Contains("What if:", _ps.Host.Output);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_world.InstancePath, "config.yaml")));
        Assert.False(File.Exists(Path.Combine(_world.InstancePath, "kubeconfig.bak")));
    }
}

public sealed class RestoreAndTestCommandTests_Local() : RestoreAndTestCommandTests(Mode.Local);

public sealed class RestoreAndTestCommandTests_Remote() : RestoreAndTestCommandTests(Mode.Remote);
