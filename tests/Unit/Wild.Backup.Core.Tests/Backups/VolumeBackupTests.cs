using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Tests.Restores;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>The Kubernetes side of app backups on a simulated cluster with Longhorn; each test works on its own app.</summary>
public sealed class VolumeBackupTests(BlueGreenFixture f) : IClassFixture<BlueGreenFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
    private ClusterWorld W => f.World;

    private WildBackupEngine EngineWith(Func<EngineOptions, EngineOptions> change) => new(change(ClusterWorld.EngineOptions));

    /// <summary>An engine whose cluster is the instance's, but at a port nothing listens on.</summary>
    private WildBackupEngine UnreachableEngine()
    {
        var dead = Kubeconfigs.WithPort(Path.Combine(W.InstancePath, "kubeconfig"), Kubeconfigs.FreePort(), Path.Combine(W.World.Root, "dead-kubeconfig"));
        return EngineWith(o => o with { OpenCluster = _ => KubernetesRestCluster.FromKubeconfig(dead) });
    }

    private async Task<IReadOnlyList<string>> LonghornBackupsOfAsync(string app, CancellationToken ct) =>
        (await W.Kube.ListAsync(LonghornApi.Backups, LonghornApi.Namespace, $"{LonghornApi.LabelApp}={app}", ct))
            .Where(b => b.Str("metadata", "deletionTimestamp") is null).Select(b => b.Name()).Order().ToList();

    private async Task EventuallyAsync(Func<CancellationToken, Task<bool>> condition, string what)
    {
        await Waits.UntilAsync(async t => (await condition(t), true, what), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), null, s => new TimeoutException(s), Timeout);
    }

    [Fact]
    public async Task A_failed_Longhorn_backup_fails_the_app_backup_keeps_the_previous_one_and_leaves_no_backup_behind()
    {
        var ct = Timeout;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        await W.DeployAsync("gitea", ct);
        var volume = await W.VolumeOfAsync("gitea", "gitea-data", ct);
        await W.Longhorn.Writer("gitea", "gitea-data").WriteRandomAsync(0, 100_000, 5, ct);
        var first = await engine.BackupAppAsync(W.Selector, "gitea", NullObserver.Instance, ct);
        var kept = Assert.Single(first.Volumes).LonghornBackup;

        W.Longhorn.Faults.ForVolume(volume).BackupError = "simulated target I/O error";
        try
        {
            var ex = await Assert.ThrowsAsync<LonghornException>(() => engine.BackupAppAsync(W.Selector, "gitea", NullObserver.Instance, ct));
            Assert.Equal("LonghornBackupFailed", ex.ErrorId);
            Assert.Contains("gitea-data", ex.Message);
            Assert.Contains("simulated target I/O error", ex.Message);
        }
        finally
        {
            W.Longhorn.Faults.ForVolume(volume).BackupError = null;
        }
        var now = await engine.GetAppBackupAsync(W.Selector, "gitea", null, ct);
        Assert.Equal(first.CreatedAt, now!.CreatedAt);
        Assert.Equal(kept, Assert.Single(now.Volumes).LonghornBackup);
        await EventuallyAsync(async t => (await LonghornBackupsOfAsync("gitea", t)).SequenceEqual([kept]), "only the kept Longhorn backup remains");
    }

    [Fact]
    public async Task A_Longhorn_backup_without_progress_times_out()
    {
        var ct = Timeout;
        var engine = EngineWith(o => o with { VolumeBackupStallTimeout = TimeSpan.FromSeconds(1) });
        await W.DeployAsync("postgres", ct);
        var volume = await W.VolumeOfAsync("postgres", "data-postgres-0", ct);
        W.Longhorn.Faults.ForVolume(volume).HangBackups = true;
        try
        {
            var ex = await Assert.ThrowsAsync<LonghornException>(() => engine.BackupAppAsync(W.Selector, "postgres", NullObserver.Instance, ct));
            Assert.Equal(WildErrorKind.Timeout, ex.Kind);
            Assert.Equal("LonghornStalled", ex.ErrorId);
            Assert.Contains("made no progress", ex.Message);
        }
        finally
        {
            W.Longhorn.Faults.ForVolume(volume).HangBackups = false;
        }
        Assert.Null(await engine.GetAppBackupAsync(W.Selector, "postgres", null, ct));
        await EventuallyAsync(async t => (await LonghornBackupsOfAsync("postgres", t)).Count == 0, "the hung backup was deleted");
    }

    [Fact]
    public async Task Without_the_cluster_a_backup_keeps_the_previous_volume_backups_and_says_so()
    {
        var ct = Timeout;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        await W.DeployAsync("redis", ct);
        await W.Longhorn.Writer("redis", "data-redis-0").WriteRandomAsync(0, 50_000, 8, ct);
        var first = await engine.BackupAppAsync(W.Selector, "redis", NullObserver.Instance, ct);
        var original = Assert.Single(first.Volumes);

        var events = new RecordingObserver();
        var offline = await UnreachableEngine().BackupAppAsync(W.Selector, "redis", events, ct);
        var carried = Assert.Single(offline.Volumes);
        Assert.True(carried.CarriedOver);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(original with { CarriedOver = true }), System.Text.Json.JsonSerializer.Serialize(carried));
        var warning = Assert.Single(events.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.StartsWith("Volumes not backed up", StringComparison.Ordinal));
        Assert.Contains("Cannot reach the cluster at https://127.0.0.1:", warning.Milestone);
        Assert.Contains("kept and recorded again", warning.Milestone);
        Assert.Equal([original.LonghornBackup], await LonghornBackupsOfAsync("redis", ct)); // nothing deleted without a cluster

        // Back online: a fresh volume backup, and the carried one is pruned.
        var online = await engine.BackupAppAsync(W.Selector, "redis", NullObserver.Instance, ct);
        var fresh = Assert.Single(online.Volumes);
        Assert.False(fresh.CarriedOver);
        await EventuallyAsync(async t => (await LonghornBackupsOfAsync("redis", t)).SequenceEqual([fresh.LonghornBackup]), "only the fresh backup remains");
    }

    [Fact]
    public async Task A_previous_backup_left_mid_swap_by_a_crash_still_hands_its_volumes_to_the_next_backup()
    {
        var ct = Timeout;
        var destination = Path.Combine(W.World.Root, "nas-crashed-swap");
        Directory.CreateDirectory(destination);
        var selector = W.Selector with { Destination = destination };
        await W.DeployAsync("immich", ct);
        var first = await new WildBackupEngine(ClusterWorld.EngineOptions).BackupAppAsync(selector, "immich", NullObserver.Instance, ct);
        Assert.NotEmpty(first.Volumes);

        // Killed between the swap's two renames: the live backup already moved aside, no new one in its place.
        var apps = Path.Combine(destination, W.World.Instance, "backups", "apps");
        Directory.Move(Path.Combine(apps, "immich"), Path.Combine(apps, ".immich.old-20261124T000000000Z-0a0b0c"));

        // The next run, without the cluster, must find that backup (after repairing the slot) to carry its volumes over.
        var offline = await UnreachableEngine().BackupAppAsync(selector, "immich", NullObserver.Instance, ct);
        Assert.Equal(first.Volumes.Select(v => v.LonghornBackup), offline.Volumes.Select(v => v.LonghornBackup));
        Assert.All(offline.Volumes, v => Assert.True(v.CarriedOver));
        Assert.Equal(["immich"], Directory.EnumerateFileSystemEntries(apps).Select(Path.GetFileName).Where(n => n!.Contains("immich", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_a_kubeconfig_or_previous_backup_the_backup_is_configuration_only()
    {
        var ct = Timeout;
        var engine = EngineWith(o => o with { OpenCluster = _ => KubernetesRestCluster.FromKubeconfig(Path.Combine(W.World.Root, "no-such-kubeconfig")) });
        var events = new RecordingObserver();
        var fresh = Path.Combine(W.World.Root, "nas-empty");
        Directory.CreateDirectory(fresh);
        var backup = await engine.BackupAppAsync(W.Selector with { Destination = fresh }, "immich", events, ct);
        Assert.Empty(backup.Volumes);
        var warning = Assert.Single(events.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.StartsWith("Volumes not backed up", StringComparison.Ordinal));
        Assert.Contains("configuration only", warning.Milestone);
        Assert.Contains("no kubeconfig", warning.Milestone);
        Assert.Contains(backup.Files, f => f.Name == BackupLayout.AppFiles.ConfigArchive);
    }

    [Fact]
    public async Task Backups_to_two_destinations_keep_their_own_volume_backups()
    {
        var ct = Timeout;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        await W.DeployAsync("immich", ct);
        var second = Path.Combine(W.World.Root, "nas2");
        Directory.CreateDirectory(second);
        var toA1 = await engine.BackupAppAsync(W.Selector, "immich", NullObserver.Instance, ct);
        var toB = await engine.BackupAppAsync(W.Selector with { Destination = second }, "immich", NullObserver.Instance, ct);
        var toA2 = await engine.BackupAppAsync(W.Selector, "immich", NullObserver.Instance, ct);
        var a1 = Assert.Single(toA1.Volumes).LonghornBackup;
        var b = Assert.Single(toB.Volumes).LonghornBackup;
        var a2 = Assert.Single(toA2.Volumes).LonghornBackup;
        await EventuallyAsync(async t => (await LonghornBackupsOfAsync("immich", t)).SequenceEqual(new[] { b, a2 }.Order()), "A's first backup pruned, B's kept");
        Assert.DoesNotContain(a1, await LonghornBackupsOfAsync("immich", ct));
    }
}
