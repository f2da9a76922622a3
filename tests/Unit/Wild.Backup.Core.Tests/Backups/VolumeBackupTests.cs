using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Tests.Restores;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>The Kubernetes side of app backups on a simulated cluster with Longhorn, on every Longhorn version (one class per
/// version below); each test works on its own app.</summary>
public abstract class VolumeBackupTests(BlueGreenFixture f)
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
        // (Other tests of the class back immich up to destinations of their own; those backups are theirs to keep.)
        await EventuallyAsync(async t => await LonghornBackupsOfAsync("immich", t) is var left && left.Contains(b) && left.Contains(a2) && !left.Contains(a1), "A's first backup pruned, B's kept");
    }
    /// <summary>The Longhorn Backup object, or null.</summary>
    private Task<System.Text.Json.Nodes.JsonObject?> LonghornBackupAsync(string name, CancellationToken ct) => W.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, name, ct);

    /// <summary>The app's backup.json as it is at the destination.</summary>
    private BackupRecord RecordOf(string app) =>
        BackupRecord.Parse(File.ReadAllBytes(Path.Combine(W.World.BackupDir(Path.Combine("apps", app)), BackupLayout.RecordFile)), app);

    /// <summary>Whether Longhorn's store still holds a backup's cfg (its data) in the default target.</summary>
    private bool InStore(string volume, string backup) =>
        File.Exists(Path.Combine(W.Longhorn.TargetDirectory, Core.Longhorn.BlockStore.BlockStorePaths.BackupConfig(volume, backup)));

    /// <summary>A copy of redis named <paramref name="app"/>, deployed, with data in its claim <c>data-{app}-0</c>; returns its
    /// Longhorn volume.</summary>
    private async Task<string> DeployCopyWithDataAsync(string app, int seed, CancellationToken ct)
    {
        W.CopyApp("redis", app);
        await W.DeployAsync(app, ct);
        var volume = await W.VolumeOfAsync(app, $"data-{app}-0", ct);
        await W.Longhorn.Writer(app, $"data-{app}-0").WriteRandomAsync(0, 100_000, seed, ct);
        return volume;
    }

    /// <summary>Backs the app up and returns the name of its one Longhorn Backup.</summary>
    private async Task<string> BackUpAsync(WildBackupEngine engine, string app, CancellationToken ct) =>
        Assert.Single((await engine.BackupAppAsync(W.Selector, app, NullObserver.Instance, ct)).Volumes).LonghornBackup;

    [Fact]
    public async Task A_detached_volume_of_an_app_scaled_to_zero_backs_up_and_restores()
    {
        var ct = Timeout;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        var volume = await DeployCopyWithDataAsync("kv", 11, ct);
        var expected = await W.Longhorn.ComputeSha256Async(volume, ct);
        W.EditApp("kv", "statefulset.yaml", t => t.Replace("replicas: 1", "replicas: 0"));
        await W.DeployAsync("kv", ct);
        await EventuallyAsync(async t => (await W.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, volume, t)).Str("status", "state") == "detached", "the volume detached");

        var backup = await engine.BackupAppAsync(W.Selector, "kv", NullObserver.Instance, ct);
        var record = Assert.Single(backup.Volumes);
        var lhBackup = (await LonghornBackupAsync(record.LonghornBackup, ct))!;
        Assert.Equal(volume, lhBackup.Str("metadata", "labels", "backup-volume")); // set by the product: Longhorn < 1.10 needs it
        Assert.Equal(W.Version.HasBackupTargetName ? "default" : null, lhBackup.Str("metadata", "labels", "backup-target"));
        Assert.Equal(("v1", 3, "disabled", false), (record.DataEngine, record.NumberOfReplicas, record.DataLocality, record.Encrypted));
        Assert.Equal(W.Version.HasBackupBlockSize ? 2L << 20 : null, record.BackupBlockSize);
        Assert.Equal(W.Version.HasBackupTargetName ? "default" : null, record.BackupTargetName);

        var restored = await engine.RestoreAppAsync(W.Selector, "kv", new AppRestoreOptions { Timeout = TimeSpan.FromSeconds(60) }, NullObserver.Instance, ct);
        Assert.Equal(expected, await W.Longhorn.ComputeSha256Async(Assert.Single(restored.Volumes).LonghornVolume, ct));
    }

    [Fact]
    public async Task A_backup_queued_behind_a_deletion_waits_for_it_instead_of_stalling()
    {
        var ct = Timeout;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        var volume = await DeployCopyWithDataAsync("queue", 12, ct);
        var first = await BackUpAsync(engine, "queue", ct);

        // An older backup of the volume is being deleted, slowly (a slow share): from Longhorn 1.8 a new backup of the
        // volume waits in Pending ("Wait for backup … to be deleted") far longer than the stall limit.
        W.Longhorn.Faults.ForVolume(volume).DeleteDelay = TimeSpan.FromSeconds(10);
        try
        {
            await W.Kube.DeleteAsync(LonghornApi.Backups, LonghornApi.Namespace, first, ct);
            var quick = EngineWith(o => o with { VolumeBackupStallTimeout = TimeSpan.FromSeconds(1) });
            var second = await quick.BackupAppAsync(W.Selector, "queue", NullObserver.Instance, ct);
            Assert.Equal("Completed", (await LonghornBackupAsync(Assert.Single(second.Volumes).LonghornBackup, ct)).Str("status", "state"));
        }
        finally
        {
            W.Longhorn.Faults.ForVolume(volume).DeleteDelay = TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task A_backup_that_ends_unknown_fails_at_once_with_longhorns_state()
    {
        var ct = Timeout;
        var volume = await DeployCopyWithDataAsync("murky", 15, ct);
        W.Longhorn.Faults.ForVolume(volume).UnknownBackups = true;
        try
        {
            var engine = EngineWith(o => o with { VolumeBackupStallTimeout = TimeSpan.FromSeconds(20) });
            var ex = await Assert.ThrowsAsync<LonghornException>(() => engine.BackupAppAsync(W.Selector, "murky", NullObserver.Instance, ct));
            Assert.Equal("LonghornBackupFailed", ex.ErrorId);
            Assert.Contains("Unknown", ex.Message);
            Assert.Contains("data-murky-0", ex.Message);
        }
        finally
        {
            W.Longhorn.Faults.ForVolume(volume).UnknownBackups = false;
        }
    }

    [Fact]
    public async Task Pruning_waits_while_the_target_is_unavailable_and_finishes_when_it_is_back()
    {
        var ct = Timeout;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        var volume = await DeployCopyWithDataAsync("prune", 13, ct);
        var first = await BackUpAsync(engine, "prune", ct);

        // The share goes away after the second backup is written, before the first is pruned.
        var events = new TargetGoesAway(W, "apps/prune");
        try
        {
            var second = await engine.BackupAppAsync(W.Selector, "prune", events, ct);
            Assert.True(events.Fired);
            Assert.Contains(events.Recorded.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains(first, StringComparison.Ordinal));
            var kept = await LonghornBackupAsync(first, ct);
            Assert.NotNull(kept);
            Assert.Null(kept.Str("metadata", "deletionTimestamp")); // nothing deleted while Longhorn could only drop the object
            Assert.Contains(RecordOf("prune").PendingDeletions, p => p.LonghornBackup == first);
            Assert.True(InStore(volume, first));
        }
        finally
        {
            W.Longhorn.Faults.ForTarget("default").Unavailable = false;
        }
        await EventuallyAsync(async t => (await W.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, "default", t)).Bool("status", "available") == true, "target back");

        var third = await engine.BackupAppAsync(W.Selector, "prune", NullObserver.Instance, ct);
        Assert.False(InStore(volume, first));
        Assert.Null(await LonghornBackupAsync(first, ct));
        Assert.DoesNotContain(RecordOf("prune").PendingDeletions, p => p.LonghornBackup == first);
        Assert.NotNull(await LonghornBackupAsync(Assert.Single(third.Volumes).LonghornBackup, ct));
    }

    [Fact]
    public async Task A_deletion_longhorn_fails_stays_pending_is_reported_by_test_and_retried()
    {
        var ct = Timeout;
        var engine = EngineWith(o => o with { VolumeDeletionTimeout = TimeSpan.FromSeconds(5) });
        var volume = await DeployCopyWithDataAsync("stuck", 14, ct);
        var first = await BackUpAsync(engine, "stuck", ct);

        W.Longhorn.Faults.ForVolume(volume).DeleteError = "simulated NFS write error";
        try
        {
            var events = new RecordingObserver();
            await engine.BackupAppAsync(W.Selector, "stuck", events, ct);
            var warning = Assert.Single(events.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains(first, StringComparison.Ordinal));
            if (W.Version.DeletesBackupsAsynchronously) Assert.Contains("simulated NFS write error", warning.Milestone); // Longhorn's status.messages
            Assert.Contains(RecordOf("stuck").PendingDeletions, p => p.LonghornBackup == first);
            Assert.True(InStore(volume, first));

            var tested = Assert.Single(await engine.TestBackupsAsync(W.Selector, ["stuck"], false, null, NullObserver.Instance, ct));
            Assert.True(tested.Passed);
            Assert.Contains(tested.PendingDeletions, p => p.StartsWith(first, StringComparison.Ordinal));
        }
        finally
        {
            W.Longhorn.Faults.ForVolume(volume).DeleteError = null;
        }
        // Test-WildBackup retries it; once Longhorn gets it done, nothing is pending.
        await EventuallyAsync(async t => (await engine.TestBackupsAsync(W.Selector, ["stuck"], false, null, NullObserver.Instance, t)).Single().PendingDeletions.Count == 0, "the deletion confirmed");
        Assert.False(InStore(volume, first));
    }

    [Fact]
    public async Task While_the_target_is_unavailable_a_backup_fails_with_longhorns_reason_and_keeps_the_previous_one()
    {
        var ct = Timeout;
        var engine = new WildBackupEngine(ClusterWorld.EngineOptions);
        await DeployCopyWithDataAsync("offline", 16, ct);
        var first = await engine.BackupAppAsync(W.Selector, "offline", NullObserver.Instance, ct);
        W.Longhorn.Faults.ForTarget("default").Unavailable = true;
        try
        {
            await EventuallyAsync(async t => (await W.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, "default", t)).Bool("status", "available") == false, "target unavailable");
            var ex = await Assert.ThrowsAsync<LonghornException>(() => engine.BackupAppAsync(W.Selector, "offline", NullObserver.Instance, ct));
            // 1.9 and 1.10 refuse the Backup in their validator; 1.7 and 1.8 admit it and it ends in Error.
            Assert.Equal(W.Version.BackupValidatorChecksTarget ? "LonghornBackupRefused" : "LonghornBackupFailed", ex.ErrorId);
            Assert.Equal(WildErrorKind.Unreachable, ex.Kind);
            Assert.Contains("backup target default is not available", ex.Message);
            Assert.Contains("data-offline-0", ex.Message);
            Assert.DoesNotContain("Cannot reach the cluster", ex.Message);
        }
        finally
        {
            W.Longhorn.Faults.ForTarget("default").Unavailable = false;
        }
        Assert.Equal(first.CreatedAt, (await engine.GetAppBackupAsync(W.Selector, "offline", null, ct))!.CreatedAt);
        await EventuallyAsync(async t => (await W.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, "default", t)).Bool("status", "available") == true, "target back");
    }

    /// <summary>Makes the backup target unavailable once the backup is being verified (written, not yet published or pruned),
    /// and waits until Longhorn reports it so.</summary>
    private sealed class TargetGoesAway(ClusterWorld w, string target) : IOperationObserver
    {
        public RecordingObserver Recorded { get; } = new();
        public bool Fired { get; private set; }

        public void OnEvent(OperationEvent e)
        {
            Recorded.OnEvent(e);
            if (Fired || e.Target != target || e.Kind != OperationEventKind.Progress || e.Milestone != Milestones.Backup.Verifying.Name) return;
            Fired = true;
            w.Longhorn.Faults.ForTarget("default").Unavailable = true;
            Waits.UntilAsync(async t => ((await w.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, "default", t)).Bool("status", "available") == false, true, "unavailable"),
                TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50), null, s => new TimeoutException(s), CancellationToken.None).GetAwaiter().GetResult();
        }
    }
}

public sealed class VolumeBackupTests_Longhorn_1_7(BlueGreenFixture.Longhorn_1_7 f) : VolumeBackupTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_7>;
public sealed class VolumeBackupTests_Longhorn_1_8(BlueGreenFixture.Longhorn_1_8 f) : VolumeBackupTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_8>;
public sealed class VolumeBackupTests_Longhorn_1_9(BlueGreenFixture.Longhorn_1_9 f) : VolumeBackupTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_9>;
public sealed class VolumeBackupTests_Longhorn_1_10(BlueGreenFixture.Longhorn_1_10 f) : VolumeBackupTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_10>;
