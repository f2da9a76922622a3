using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Tests.Support;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.PowerShell.Tests.Commands;

/// <summary>The sample instance on a simulated cluster with Longhorn, and the module — in process or on a server.</summary>
public abstract class AppRestoreFixture(Mode mode) : IAsyncLifetime
{
    public ClusterWorld Cluster { get; private set; } = null!;
    public CmdletWorld Cmdlets { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await ClusterWorld.StartAsync();
        Cmdlets = await CmdletWorld.StartAsync(mode, world: Cluster.World);
    }

    public async Task DisposeAsync()
    {
        if (Cmdlets is not null) await Cmdlets.DisposeAsync();
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

public sealed class AppRestoreFixtureLocal() : AppRestoreFixture(Mode.Local);

public sealed class AppRestoreFixtureRemote() : AppRestoreFixture(Mode.Remote);

/// <summary>Restore-WildApp, Switch-WildRestore, Complete-WildRestore, Get-WildRestore and their <c>wild</c> verbs; each test
/// works on its own app.</summary>
public abstract class AppRestoreCommandTests(AppRestoreFixture f)
{
    private ModuleSession Ps => f.Cmdlets.Ps;
    private ClusterWorld W => f.Cluster;
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
    private string AppDir(string name) => Path.Combine(W.InstancePath, "apps", name);

    private async Task BackUpAsync(string app)
    {
        await W.DeployAsync(app, Timeout);
        var (output, ps) = Ps.Invoke($"Backup-WildApp {app} -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        Assert.NotEmpty(((BackupInfo)Assert.Single(output).BaseObject).Volumes);
    }

    [Fact]
    public async Task Restore_verify_switch_and_complete()
    {
        await BackUpAsync("gitea");
        var (output, ps) = Ps.Invoke("Restore-WildApp gitea -DataDir $data -Destination $dest -TimeoutSeconds 120");
        Assert.Empty(ps.Streams.Error);
        var result = (AppRestoreResult)Assert.Single(output).BaseObject;
        Assert.Equal("gitea-restore", result.Namespace);
        Assert.Equal("gitea-data", Assert.Single(result.Volumes).Pvc);
        Assert.Equal("gitea-restore.cloud.example.com", Assert.Single(result.Hosts).VerificationHost);
        var percents = ps.Streams.Progress.Where(p => p.PercentComplete >= 0 && p.RecordType == System.Management.Automation.ProgressRecordType.Processing).Select(p => p.PercentComplete).ToList();
        foreach (var milestone in new[] { 10, 20, 80, 90 }) Assert.Contains(milestone, percents);
        Assert.Contains(ps.Streams.Progress, p => p.StatusDescription.StartsWith("Importing volumes", StringComparison.Ordinal) && p.PercentComplete is >= 30 and <= 70);
        Assert.Contains(ps.Streams.Progress, p => p.RecordType == System.Management.Automation.ProgressRecordType.Completed);

        (output, _) = Ps.Invoke("Get-WildRestore gitea -DataDir $data");
        var status = (AppRestoreStatus)Assert.Single(output).BaseObject;
        Assert.Equal(RestoreState.RestoredAwaitingSwitch, status.State);
        Assert.True(status.Healthy);
        Assert.Equal("restore_app", status.LastOperation?.Type);

        // High impact: asks, and "no" changes nothing.
        Ps.Host.ConfirmAnswer = 2;
        var prompts = Ps.Host.Prompts.Count;
        (output, _) = Ps.Invoke("Switch-WildRestore gitea -DataDir $data");
        Assert.Empty(output);
        Assert.Equal(prompts + 1, Ps.Host.Prompts.Count);
        Assert.True(Directory.Exists(AppDir("gitea-restore")));

        (output, ps) = Ps.Invoke("Switch-WildRestore gitea -DataDir $data -Confirm:$false");
        Assert.Empty(ps.Streams.Error);
        var switched = (RestoreSwitchResult)Assert.Single(output).BaseObject;
        Assert.Equal(["gitea.cloud.example.com"], switched.Hosts);
        Assert.True(Directory.Exists(AppDir("gitea-old")));

        (output, ps) = Ps.Invoke("Complete-WildRestore gitea -DataDir $data -Confirm:$false");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal(["gitea"], ((RestoreCleanupResult)Assert.Single(output).BaseObject).DeletedNamespaces);
        Assert.False(Directory.Exists(AppDir("gitea-old")));
        Assert.Null(await W.GetAsync(ResourceKind.Namespace, null, "gitea", Timeout));
    }

    [Fact]
    public async Task The_wild_verbs_run_the_same_cycle()
    {
        await BackUpAsync("postgres");
        Ps.Host.ConfirmAnswer = 0;
        var (output, ps) = Ps.Invoke("wild app restore postgres --data-dir $data --destination $dest --timeout 120");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal("postgres-restore", ((AppRestoreResult)Assert.Single(output).BaseObject).Namespace);
        (output, ps) = Ps.Invoke("wild app restore-switch postgres --data-dir $data");
        Assert.Empty(ps.Streams.Error);
        Assert.Equal("postgres-restore", ((RestoreSwitchResult)Assert.Single(output).BaseObject).Namespace);
        (output, ps) = Ps.Invoke("wild app restore-cleanup postgres --data-dir $data");
        Assert.Empty(ps.Streams.Error);
        Assert.Single(output);
        var status = (AppRestoreStatus)Assert.Single(Ps.Invoke("wild app restore-status postgres --data-dir $data").Output).BaseObject;
        Assert.Equal((RestoreState.None, "postgres-restore"), (status.State, status.LiveNamespace));
        Assert.Contains(status.Health, h => h.Object == "StatefulSet postgres-restore/postgres" && h.Ready);
    }

    [Fact]
    public async Task WhatIf_makes_nothing()
    {
        var (output, _) = Ps.Invoke("Restore-WildApp redis -DataDir $data -Destination $dest -WhatIf; Complete-WildRestore redis -DataDir $data -DiscardRestore -WhatIf; Switch-WildRestore redis -DataDir $data -WhatIf");
        Assert.Empty(output);
        Assert.Contains("What if:", Ps.Host.Output);
        Assert.False(Directory.Exists(AppDir("redis-restore")));
        Assert.Null(await W.GetAsync(ResourceKind.Namespace, null, "redis-restore", Timeout));
    }

    [Fact]
    public async Task Failures_are_terminating_errors_with_their_category()
    {
        var (_, ps) = Ps.Invoke("Restore-WildApp nosuchbackupapp -DataDir $data -Destination $dest");
        var error = Assert.Single(ps.Streams.Error);
        Assert.StartsWith("BackupNotFound,", error.FullyQualifiedErrorId); // an app need not exist here to be restored (migration), its backup must

        (_, ps) = Ps.Invoke("Switch-WildRestore immich -DataDir $data -Confirm:$false");
        error = Assert.Single(ps.Streams.Error);
        Assert.StartsWith("NoRestoreToSwitch,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);

        // Pods that never get ready: the restore fails after -TimeoutSeconds, and what it made is gone.
        await BackUpAsync("immich");
        W.Cluster.AddPodBehavior(new PodBehaviorRule { Namespace = "immich-restore", Behavior = PodBehavior.NeverReady });
        (_, ps) = Ps.Invoke("Restore-WildApp immich -DataDir $data -Destination $dest -TimeoutSeconds 3");
        error = Assert.Single(ps.Streams.Error);
        Assert.StartsWith("RestoreNotReady,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains("live app was not touched", error.Exception.Message);
        Assert.False(Directory.Exists(AppDir("immich-restore")));
    }
}

public sealed class AppRestoreCommandTests_Local(AppRestoreFixtureLocal f) : AppRestoreCommandTests(f), IClassFixture<AppRestoreFixtureLocal>;

public sealed class AppRestoreCommandTests_Remote(AppRestoreFixtureRemote f) : AppRestoreCommandTests(f), IClassFixture<AppRestoreFixtureRemote>;
