using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Instances;
using Wild.Backup.PowerShell.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.PowerShell.Tests.Commands;

/// <summary>The backup cmdlets driven through the real PowerShell engine, the way a user runs them — in process and
/// against a real server (<see cref="Mode"/>), with the same scripts and the same expectations.</summary>
public abstract class BackupCommandTests(Mode mode) : IAsyncLifetime
{
    private CmdletWorld _cw = null!;
    private SampleWorld _world = null!;
    private ModuleSession _ps = null!;

    public async Task InitializeAsync()
    {
        _cw = await CmdletWorld.StartAsync(mode);
        (_world, _ps) = (_cw.World, _cw.Ps);
    }

    public async Task DisposeAsync() => await _cw.DisposeAsync();

    protected Mode Mode => mode;

    [Fact]
    public void Module_exports_exactly_the_declared_cmdlets()
    {
        var (output, _) = _ps.Invoke("(Get-Command -Module WildBackup).Name");
        Assert.Equal(
            ["Backup-WildApp", "Backup-WildCluster", "Complete-WildRestore", "Connect-WildServer", "Disconnect-WildServer", "Export-WildVolume", "Get-WildApp", "Get-WildBackup",
             "Get-WildInstance", "Get-WildOperation", "Get-WildRestore", "Restore-WildApp", "Restore-WildCluster", "Stop-WildOperation", "Switch-WildRestore",
             "Test-WildBackup", "Test-WildBackupDestination", "Wait-WildOperation", "wild"],
            output.Select(o => o.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Get_WildApp_piped_to_Backup_WildApp_backs_up_every_app()
    {
        var (output, ps) = _ps.Invoke("Get-WildApp -DataDir $data | Backup-WildApp -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        var infos = output.Select(o => (BackupInfo)o.BaseObject).ToList();
        Assert.Equal(["gitea", "immich", "postgres", "redis"], infos.Select(i => i.Name));
        Assert.All(infos, i => Assert.Equal("demo-cloud", i.Instance));
        Assert.True(File.Exists(_world.BackupDir("apps/immich/backup.json")));
    }

    [Fact]
    public void Names_bind_from_any_object_with_a_Name_property()
    {
        var (output, ps) = _ps.Invoke("'gitea','redis' | ForEach-Object { [pscustomobject]@{ Name = $_; DataDir = $data } } | Backup-WildApp -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(["gitea", "redis"], output.Select(o => ((BackupInfo)o.BaseObject).Name));
    }

    [Fact]
    public void All_and_cluster_backups_report_the_design_milestones_as_progress_records()
    {
        var (_, ps) = _ps.Invoke("Backup-WildApp -All -DataDir $data -Destination $dest; Backup-WildCluster -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        var progress = ps.Streams.Progress.ToList();
        var gitea = progress.Where(p => p.Activity == "Backing up app gitea").ToList();
        Assert.Equal(10, gitea[0].PercentComplete);
        Assert.StartsWith("Creating snapshot", gitea[0].StatusDescription);
        Assert.Contains(gitea, p => p.PercentComplete == 30 && p.StatusDescription.StartsWith("Connecting to backup storage", StringComparison.Ordinal));
        // Bytes inside "Exporting data" (a slow remote subscriber may see them merged, never the milestone itself).
        Assert.Contains(gitea, p => p.PercentComplete is >= 50 and <= 90 && p.StatusDescription.StartsWith("Exporting data", StringComparison.Ordinal) && p.CurrentOperation is not null);
        Assert.Contains(gitea, p => p.PercentComplete == 95);
        Assert.Equal(ProgressRecordType.Completed, gitea[^1].RecordType);
        // each app's bar hangs under the -All run's bar
        var overall = progress.First(p => p.Activity.StartsWith("Backing up 4 apps", StringComparison.Ordinal));
        Assert.All(gitea, p => Assert.Equal(overall.ActivityId, p.ParentActivityId));
        Assert.Contains(progress, p => p.Activity.StartsWith("Backing up cluster", StringComparison.Ordinal) && p.PercentComplete == 100);
    }

    [Fact]
    public void WhatIf_changes_nothing_and_says_what_it_would_do()
    {
        var (output, ps) = _ps.Invoke("Backup-WildApp -All -DataDir $data -Destination $dest -WhatIf; Backup-WildCluster -DataDir $data -Destination $dest -WhatIf");
        Assert.Empty(output);
        Assert.Empty(ps.Streams.Error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_world.Destination));
        var where = mode == Mode.Local ? _world.Destination : $"the backup storage of {_cw.Server!.BaseAddress.GetLeftPart(UriPartial.Authority)}";
        Assert.Contains("What if: Performing the operation \"Back up to " + where + "\" on target \"app 'gitea' of instance 'demo-cloud'\"", _ps.Host.Output);
        Assert.Contains("cluster configuration of instance 'demo-cloud'", _ps.Host.Output);
    }

    [Fact]
    public void Confirm_asks_per_app_and_backs_up_only_what_was_confirmed()
    {
        _ps.Host.ConfirmAnswer = 2; // No
        var (output, _) = _ps.Invoke("Backup-WildApp gitea, redis -DataDir $data -Destination $dest -Confirm");
        Assert.Empty(output);
        Assert.Equal(2, _ps.Host.Prompts.Count);
        Assert.False(Directory.Exists(_world.BackupDir("apps")));
        _ps.Host.ConfirmAnswer = 0; // Yes
        (output, _) = _ps.Invoke("Backup-WildApp gitea -DataDir $data -Destination $dest -Confirm");
        Assert.Single(output);
    }

    [Fact]
    public void One_bad_app_in_a_list_is_a_non_terminating_error_and_the_rest_go_on()
    {
        var (output, ps) = _ps.Invoke("Backup-WildApp gitea, nope, redis -DataDir $data -Destination $dest");
        Assert.Equal(["gitea", "redis"], output.Select(o => ((BackupInfo)o.BaseObject).Name));
        var error = Assert.Single(ps.Streams.Error);
        Assert.Equal("AppNotFound,Wild.Backup.PowerShell.Commands.BackupWildAppCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Equal("nope", error.TargetObject);
    }

    [Fact]
    public void ErrorAction_Stop_turns_the_first_failure_into_a_terminating_error()
    {
        var ps = _ps.Create("Backup-WildApp nope, gitea -DataDir $data -Destination $dest -ErrorAction Stop");
        var ex = Assert.Throws<ActionPreferenceStopException>(() => ps.Invoke());
        Assert.Equal("AppNotFound,Wild.Backup.PowerShell.Commands.BackupWildAppCommand", ex.ErrorRecord.FullyQualifiedErrorId);
        Assert.False(Directory.Exists(_world.BackupDir("apps/gitea")));
    }

    [Fact]
    public void Invalid_names_are_refused_with_InvalidArgument()
    {
        var (_, ps) = _ps.Invoke("Backup-WildApp '../../etc' -DataDir $data -Destination $dest");
        var error = Assert.Single(ps.Streams.Error);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.StartsWith("InvalidAppName,", error.FullyQualifiedErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_world.Destination));
    }

    [Fact]
    public void Stopping_the_pipeline_cancels_the_backup_and_leaves_no_staging()
    {
        // A big, incompressible app makes the export long enough to stop in the middle.
        var big = Path.Combine(_world.InstancePath, "apps", "gitea", "config", "blob.bin");
        using (var fs = File.Create(big))
        {
            var chunk = new byte[1 << 20];
            var rng = new Random(1);
            for (var i = 0; i < 400; i++) { rng.NextBytes(chunk); fs.Write(chunk); }
        }
        var ps = _ps.Create("Backup-WildApp gitea -DataDir $data -Destination $dest");
        var exporting = new ManualResetEventSlim();
        ps.Streams.Progress.DataAdded += (_, e) =>
        {
            if (ps.Streams.Progress[e.Index].StatusDescription.StartsWith("Exporting data", StringComparison.Ordinal)) exporting.Set();
        };
        var async = ps.BeginInvoke();
        Assert.True(exporting.Wait(TimeSpan.FromMinutes(1)), "export never started");
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(async));
        var apps = _world.BackupDir("apps");
        Assert.Empty(Directory.EnumerateFileSystemEntries(apps)); // no staging, no lock, no half backup
    }

    [Fact]
    public void Secrets_never_reach_any_stream_or_the_host()
    {
        var (output, ps) = _ps.Invoke("Backup-WildApp -All -DataDir $data -Destination $dest -Verbose; Backup-WildCluster -DataDir $data -Destination $dest -Verbose; Get-WildBackup -DataDir $data -Destination $dest; Test-WildBackup -DataDir $data -Destination $dest");
        var text = string.Join("\n", output.Select(o => o.ToString()))
            + string.Join("\n", ps.Streams.Verbose.Select(v => v.Message))
            + string.Join("\n", ps.Streams.Warning.Select(v => v.Message))
            + string.Join("\n", ps.Streams.Progress.Select(p => p.Activity + p.StatusDescription + p.CurrentOperation))
            + string.Join("\n", ps.Streams.Error.Select(e => e.ToString()))
            + _ps.Host.Output;
        Assert.NotEmpty(ps.Streams.Verbose);
        foreach (var secret in _world.Secrets) Assert.DoesNotContain(secret, text);
    }

    [Fact]
    public void Get_WildApp_returns_typed_apps_with_requirements_and_filters_by_wildcard()
    {
        var (output, ps) = _ps.Invoke("Get-WildApp -DataDir $data -Name 'i*', 'gitea'");
        Assert.Empty(ps.Streams.Error);
        var apps = output.Select(o => (WildApp)o.BaseObject).ToList();
        Assert.Equal(["immich", "gitea"], apps.Select(a => a.Name));
        Assert.Equal(["postgres", "redis"], apps[0].Requires);
        (_, ps) = _ps.Invoke("Get-WildApp -DataDir $data -Name nextcloud, 'z*'");
        Assert.Single(ps.Streams.Error); // the literal name; the wildcard matching nothing is silent
    }

    [Fact]
    public void Test_WildBackupDestination_checks_the_storage()
    {
        var (output, ps) = _ps.Invoke("Test-WildBackupDestination -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        var r = (Core.Storage.DestinationCheckResult)Assert.Single(output).BaseObject;
        Assert.True(r.Ok);
        Assert.True(r.Writable);
    }

    [Fact]
    public void Get_WildInstance_lists_instances()
    {
        var (output, _) = _ps.Invoke("Get-WildInstance -DataDir $data");
        var i = (WildInstance)Assert.Single(output).BaseObject;
        Assert.Equal("demo-cloud", i.Name);
    }
}

public sealed class BackupCommandTests_Local() : BackupCommandTests(Mode.Local);

public sealed class BackupCommandTests_Remote() : BackupCommandTests(Mode.Remote);

/// <summary>What only applies in process (a server decides its own destination; RemoteModeTests covers the server side).</summary>
public sealed class LocalModeTests : IAsyncLifetime
{
    private CmdletWorld _cw = null!;
    private ModuleSession _ps = null!;

    public async Task InitializeAsync()
    {
        _cw = await CmdletWorld.StartAsync(Mode.Local);
        _ps = _cw.Ps;
    }

    public async Task DisposeAsync() => await _cw.DisposeAsync();

    [Fact]
    public void Unreachable_storage_is_a_connection_error_with_the_exact_message()
    {
        // A terminating error ends the statement; the script's catch block receives it.
        var (output, ps) = _ps.Invoke("try { Backup-WildCluster -DataDir $data -Destination /nonexistent/nas; 'not reached' } catch { $_ }");
        var record = (ErrorRecord)Assert.Single(output).BaseObject;
        Assert.Equal("Cannot reach backup storage. Check network connection.", record.Exception.Message);
        Assert.Equal(ErrorCategory.ConnectionError, record.CategoryInfo.Category);
        Assert.StartsWith("StorageUnreachable,", record.FullyQualifiedErrorId);
    }

}
