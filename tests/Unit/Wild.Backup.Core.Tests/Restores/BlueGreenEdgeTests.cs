using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Restores;

/// <summary>Failures and interruptions of the blue-green steps, on every Longhorn version; each test works on its own app.</summary>
public abstract class BlueGreenEdgeTests(BlueGreenFixture f)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
    private ClusterWorld W => f.World;
    private WildBackupEngine Engine => f.Engine;
    private static readonly AppRestoreOptions Quick = new() { Timeout = TimeSpan.FromSeconds(60) };
    private string AppDir(string name) => Path.Combine(W.InstancePath, "apps", name);

    [Fact]
    public async Task An_unreachable_cluster_is_a_clear_error_and_nothing_is_made()
    {
        var ct = Timeout;
        var free = Kubeconfigs.FreePort();
        var dead = Kubeconfigs.WithPort(Path.Combine(W.InstancePath, "kubeconfig"), free, Path.Combine(W.World.Root, "dead-kubeconfig"));
        var offline = new WildBackupEngine(ClusterWorld.EngineOptions with { OpenCluster = _ => KubernetesRestCluster.FromKubeconfig(dead) });
        await offline.BackupAppAsync(W.Selector, "redis", NullObserver.Instance, ct); // configuration only

        var ex = await Assert.ThrowsAsync<UnreachableClusterException>(() => offline.RestoreAppAsync(W.Selector, "redis", Quick, NullObserver.Instance, ct));
        Assert.Equal(WildErrorKind.Unreachable, ex.Kind);
        Assert.StartsWith($"Cannot reach the cluster at https://127.0.0.1:{free}", ex.Message);
        Assert.False(Directory.Exists(AppDir("redis-restore")));
        var status = await offline.GetRestoreStatusAsync(W.Selector, "redis", ct);
        Assert.Equal(RestoreState.None, status.State);
        Assert.StartsWith("Cannot reach the cluster", status.ClusterProblem);
        Assert.Null(status.Healthy);
    }

    [Fact]
    public async Task A_switch_interrupted_after_the_first_rename_is_completed_by_running_it_again()
    {
        var ct = Timeout;
        await W.DeployAsync("postgres", ct);
        await Engine.BackupAppAsync(W.Selector, "postgres", NullObserver.Instance, ct);
        await Engine.RestoreAppAsync(W.Selector, "postgres", Quick, NullObserver.Instance, ct);

        // What a crash between the two renames leaves: the journal, apps/postgres-old and apps/postgres-restore.
        var instance = Engine.GetInstance(W.Selector);
        var layout = new BlueGreenLayout(instance, "postgres");
        await layout.WriteJournalAsync(new BlueGreenLayout.Journal("postgres-restore", "postgres", true, BlueGreenLayout.StepRenaming), ct);
        Directory.Move(AppDir("postgres"), AppDir("postgres-old"));

        Assert.Equal(RestoreState.SwitchInterrupted, (await Engine.GetRestoreStatusAsync(W.Selector, "postgres", ct)).State);
        Assert.Equal("SwitchIncomplete", (await Assert.ThrowsAsync<ConflictException>(() => Engine.CleanupRestoreAsync(W.Selector, "postgres", new RestoreStepOptions(), NullObserver.Instance, ct))).ErrorId);
        Assert.Equal("SwitchIncomplete", (await Assert.ThrowsAsync<ConflictException>(() => Engine.RestoreAppAsync(W.Selector, "postgres", Quick, NullObserver.Instance, ct))).ErrorId);

        var switched = await Engine.SwitchRestoreAsync(W.Selector, "postgres", new RestoreStepOptions(), NullObserver.Instance, ct);
        Assert.Equal("postgres-restore", switched.Namespace);
        Assert.False(File.Exists(layout.JournalPath));
        Assert.True(Directory.Exists(AppDir("postgres")) && Directory.Exists(AppDir("postgres-old")) && !Directory.Exists(AppDir("postgres-restore")));
        Assert.Equal("postgres-restore", Engine.GetApp(W.Selector, "postgres").Namespace);
        Assert.Equal(RestoreState.SwitchedAwaitingCleanup, (await Engine.GetRestoreStatusAsync(W.Selector, "postgres", ct)).State);
    }

    [Fact]
    public async Task A_cancelled_restore_removes_what_it_made()
    {
        await W.DeployAsync("gitea", Timeout);
        await Engine.BackupAppAsync(W.Selector, "gitea", NullObserver.Instance, Timeout);
        W.Cluster.AddPodBehavior(new PodBehaviorRule { Namespace = "gitea-restore", Behavior = PodBehavior.NeverReady });
        using var cts = new CancellationTokenSource();
        var observer = new CancelAt(Milestones.Restore.WaitingForPods.Name, cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Engine.RestoreAppAsync(W.Selector, "gitea", Quick, observer, cts.Token));
        Assert.Null(await W.GetAsync(ResourceKind.Namespace, null, "gitea-restore", Timeout));
        Assert.False(Directory.Exists(AppDir("gitea-restore")));
        Assert.NotNull(await W.GetAsync(ResourceKind.Deployment, "gitea", "gitea", Timeout));
    }

    [Fact]
    public async Task Secrets_the_app_refers_to_but_does_not_define_are_copied_from_the_live_namespace()
    {
        var ct = Timeout;
        await W.DeployAsync("immich", ct);
        var tls = new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "immich-tls", ["namespace"] = "immich", ["labels"] = new System.Text.Json.Nodes.JsonObject { ["issued-by"] = "cert-manager" } },
            ["type"] = "kubernetes.io/tls",
            ["data"] = new System.Text.Json.Nodes.JsonObject { ["tls.crt"] = "Y2VydA==", ["tls.key"] = "a2V5" },
        };
        await W.Kube.CreateAsync(ResourceKind.Secret, tls, ct);
        await Engine.BackupAppAsync(W.Selector, "immich", NullObserver.Instance, ct);
        var events = new RecordingObserver();
        await Engine.RestoreAppAsync(W.Selector, "immich", Quick, events, ct);
        var copy = (await W.GetAsync(ResourceKind.Secret, "immich-restore", "immich-tls", ct))!;
        Assert.Equal(("kubernetes.io/tls", "a2V5", "cert-manager"), (copy.Str("type"), copy.Str("data", "tls.key"), copy.Str("metadata", "labels", "issued-by")));
        var appSecret = (await W.GetAsync(ResourceKind.Secret, "immich-restore", "immich-secrets", ct))!;
        var password = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(appSecret.Str("data", "apps.immich.dbPassword")!));
        Assert.Contains(password, W.World.Secrets);
        foreach (var secret in W.World.Secrets) Assert.DoesNotContain(secret, events.AllText);
        await Engine.CleanupRestoreAsync(W.Selector, "immich", new RestoreStepOptions { DiscardRestore = true }, NullObserver.Instance, ct);
    }

    private sealed class CancelAt(string milestone, CancellationTokenSource cts) : IOperationObserver
    {
        public void OnEvent(OperationEvent e)
        {
            if (e.Kind == OperationEventKind.Progress && e.Milestone == milestone) cts.Cancel();
        }
    }
}

public sealed class BlueGreenEdgeTests_Longhorn_1_7(BlueGreenFixture.Longhorn_1_7 f) : BlueGreenEdgeTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_7>;
public sealed class BlueGreenEdgeTests_Longhorn_1_8(BlueGreenFixture.Longhorn_1_8 f) : BlueGreenEdgeTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_8>;
public sealed class BlueGreenEdgeTests_Longhorn_1_9(BlueGreenFixture.Longhorn_1_9 f) : BlueGreenEdgeTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_9>;
public sealed class BlueGreenEdgeTests_Longhorn_1_10(BlueGreenFixture.Longhorn_1_10 f) : BlueGreenEdgeTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_10>;

/// <summary>Migration: an app backed up on one instance and cluster, restored on another cluster over the same Longhorn
/// backup target and the same backup storage — on every Longhorn version (one class per version below).</summary>
public abstract class MigrationTests(LonghornVersion version) : IAsyncLifetime
{
    private readonly TempDir _target = new("wild-lh-target-");
    private ClusterWorld _source = null!;
    private ClusterWorld? _destination;

    private LonghornOptions Longhorn => ClusterWorld.LonghornFor(version) with { TargetDirectory = _target.Path };

    public async Task InitializeAsync() => _source = await ClusterWorld.StartAsync(longhorn: Longhorn, world: new SampleWorld("prod-cloud"));

    public async Task DisposeAsync()
    {
        if (_destination is not null) await _destination.DisposeAsync();
        if (_source is not null) await _source.DisposeAsync();
        _target.Dispose();
    }

    private async Task<(BackupInfo Backup, string Sha256)> BackUpGiteaAsync(WildBackupEngine engine, CancellationToken ct)
    {
        await _source.DeployAsync("gitea", ct);
        await _source.Longhorn.Writer("gitea", "gitea-data").WriteRandomAsync(8192, 200_000, 42, ct);
        var expected = await _source.Longhorn.ComputeSha256Async(await _source.VolumeOfAsync("gitea", "gitea-data", ct), ct);
        return (await engine.BackupAppAsync(_source.Selector, "gitea", NullObserver.Instance, ct), expected);
    }

    private async Task<AppRestoreResult> RestoreHereAsync(WildBackupEngine engine, CancellationToken ct)
    {
        // The destination instance reads the same backup storage.
        var here = _destination!.Selector with { Destination = _source.World.Destination };
        return await engine.RestoreAppAsync(here, "gitea", new AppRestoreOptions { FromInstance = "prod-cloud", Timeout = TimeSpan.FromSeconds(60) }, NullObserver.Instance, ct);
    }

    [Fact]
    public async Task An_app_restored_into_a_fresh_cluster_right_after_its_first_sync_brings_its_data()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        var (backup, expected) = await BackUpGiteaAsync(engine, ct);

        // A rebuilt cluster pointed at the same target: its first sync pulls the Backup objects in, and Longhorn fills
        // their status only on a later reconcile (held back here for 3 s) — the restore starts at once.
        _destination = await ClusterWorld.StartAsync(longhorn: Longhorn with { PulledBackupStatusDelay = TimeSpan.FromSeconds(3) });
        var result = await RestoreHereAsync(engine, ct);
        Assert.Equal("prod-cloud", result.FromInstance);
        Assert.Equal("demo-cloud", result.Instance);
        var restored = Assert.Single(result.Volumes);
        Assert.Equal(Assert.Single(backup.Volumes).LonghornBackup, restored.LonghornBackup);
        Assert.Equal(expected, await _destination.Longhorn.ComputeSha256Async(restored.LonghornVolume, ct));
        Assert.Equal((64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            (await _destination.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, restored.LonghornVolume, ct)).Str("spec", "size"));
        Assert.True(Readiness.Check((await _destination.GetAsync(ResourceKind.Deployment, "gitea-restore", "gitea", ct))!).Ready);
    }

    [Fact]
    public async Task A_restore_finds_a_backup_the_cluster_has_not_seen_even_when_this_machines_clock_is_behind_longhorns()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        // Longhorn's clock five minutes ahead of this machine's, and no polling: only a sync request the product makes
        // (strictly after the target's lastSyncedAt, on Longhorn's clock) brings the backup in.
        _destination = await ClusterWorld.StartAsync(longhorn: Longhorn with { ClockSkew = TimeSpan.FromMinutes(5), PollInterval = TimeSpan.Zero });
        await Waits.UntilAsync(async t => ((await _destination.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, "default", t)).Str("status", "lastSyncedAt") is not null, true, "first sync"),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), null, s => new TimeoutException(s), ct);
        var (backup, expected) = await BackUpGiteaAsync(engine, ct);

        var result = await RestoreHereAsync(engine, ct);
        var restored = Assert.Single(result.Volumes);
        Assert.Equal(Assert.Single(backup.Volumes).LonghornBackup, restored.LonghornBackup);
        Assert.Equal(expected, await _destination.Longhorn.ComputeSha256Async(restored.LonghornVolume, ct));
    }
}

public sealed class MigrationTests_Longhorn_1_7() : MigrationTests(LonghornVersion.V1_7);
public sealed class MigrationTests_Longhorn_1_8() : MigrationTests(LonghornVersion.V1_8);
public sealed class MigrationTests_Longhorn_1_9() : MigrationTests(LonghornVersion.V1_9);
public sealed class MigrationTests_Longhorn_1_10() : MigrationTests(LonghornVersion.V1_10);
