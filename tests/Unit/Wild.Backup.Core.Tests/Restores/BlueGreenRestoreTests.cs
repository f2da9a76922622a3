using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Yaml;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Restores;

/// <summary>The blue-green restore of apps with Longhorn volumes, on every Longhorn version (one class per version below).</summary>
public abstract class BlueGreenRestoreTests(BlueGreenFixture f)
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
    private ClusterWorld W => f.World;
    private WildBackupEngine Engine => f.Engine;
    private static readonly AppRestoreOptions Quick = new() { Timeout = TimeSpan.FromSeconds(60) };

    private string AppDir(string name) => Path.Combine(W.InstancePath, "apps", name);

    private async Task<(string Volume, byte[] Data)> WriteDataAsync(string ns, string claim, int seed)
    {
        var volume = await W.VolumeOfAsync(ns, claim, Timeout);
        var data = await W.Longhorn.Writer(ns, claim).WriteRandomAsync(4096 * 3, 300_000, seed, Timeout);
        return (volume, data);
    }

    private async Task GoneAsync(ResourceKind kind, string? ns, string name)
    {
        await Waits.UntilAsync(async t => (await W.GetAsync(kind, ns, name, t) is null, true, $"{kind.Kind} {name} still exists"),
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), null, s => new TimeoutException(s), Timeout);
    }

    [Fact]
    public async Task Gitea_full_cycle_backup_restore_verify_switch_cleanup_and_restore_again()
    {
        var ct = Timeout;
        await W.DeployAsync("gitea", ct);
        var (liveVolume, _) = await WriteDataAsync("gitea", "gitea-data", seed: 1);
        var backedUp = await W.Longhorn.ComputeSha256Async(liveVolume, ct);

        // Back up: the claim's volume goes to Longhorn's backup target and is recorded in backup.json.
        var backupEvents = new RecordingObserver();
        var backup = await Engine.BackupAppAsync(W.Selector, "gitea", backupEvents, ct);
        var volume = Assert.Single(backup.Volumes);
        Assert.Equal("gitea-data", volume.Pvc);
        Assert.Equal(liveVolume, volume.VolumeName);
        Assert.Equal("longhorn", volume.StorageClass);
        Assert.Equal(["ReadWriteOnce"], volume.AccessModes);
        Assert.Equal(64L << 20, volume.SizeBytes);
        Assert.Contains("backup=" + volume.LonghornBackup, volume.BackupUrl);
        Assert.False(volume.CarriedOver);
        var exporting = backupEvents.Progress("apps/gitea").Where(e => e.Milestone == Milestones.Backup.ExportingData.Name).Select(e => e.Percent).ToList();
        Assert.Equal(exporting.Order(), exporting);
        Assert.InRange(exporting.Min(), 50, 90);
        var lhBackup = await W.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, volume.LonghornBackup, ct);
        Assert.Equal("Completed", lhBackup.Str("status", "state"));
        Assert.Equal("gitea", lhBackup.Str("metadata", "labels", LonghornApi.LabelApp));
        Assert.Equal(W.World.Instance, lhBackup.Str("metadata", "labels", LonghornApi.LabelInstance));

        // Break the live app's data after the backup.
        await W.Longhorn.Writer("gitea", "gitea-data").WriteRandomAsync(4096 * 3, 300_000, seed: 99, ct);
        var broken = await W.Longhorn.ComputeSha256Async(liveVolume, ct);
        Assert.NotEqual(backedUp, broken);
        var liveDeployment = await W.GetAsync(ResourceKind.Deployment, "gitea", "gitea", ct);

        // Restore blue-green: gitea-restore beside the live app.
        var events = new RecordingObserver();
        var result = await Engine.RestoreAppAsync(W.Selector, "gitea", Quick, events, ct);
        Assert.Equal("gitea-restore", result.Namespace);
        Assert.Equal("gitea", result.LiveNamespace);
        Assert.Equal(AppDir("gitea-restore"), result.Directory);
        var milestones = events.Progress("apps/gitea").Select(e => e.Milestone).Distinct().ToList();
        Assert.Equal(
            new[] { Milestones.Restore.ValidatingBackup, Milestones.Restore.CreatingNamespace, Milestones.Restore.ImportingVolumes, Milestones.Restore.Deploying, Milestones.Restore.WaitingForPods, Milestones.Restore.Complete }.Select(m => m.Name),
            milestones);
        var percents = events.Progress("apps/gitea").Select(e => e.Percent).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(100, percents[^1]);

        // The restored volume holds exactly the backed-up data; the live one was not touched.
        var restored = Assert.Single(result.Volumes);
        Assert.Equal(await W.VolumeOfAsync("gitea-restore", "gitea-data", ct), restored.LonghornVolume);
        Assert.Equal(backedUp, await W.Longhorn.ComputeSha256Async(restored.LonghornVolume, ct));
        Assert.Equal(broken, await W.Longhorn.ComputeSha256Async(liveVolume, ct));
        var pv = await W.GetAsync(ResourceKind.PersistentVolume, null, restored.LonghornVolume, ct);
        Assert.Equal(LonghornApi.CsiDriver, pv.Str("spec", "csi", "driver"));
        Assert.Equal(restored.LonghornVolume, pv.Str("spec", "csi", "volumeHandle"));
        Assert.Equal(liveDeployment.Str("metadata", "resourceVersion"), (await W.GetAsync(ResourceKind.Deployment, "gitea", "gitea", ct)).Str("metadata", "resourceVersion"));

        // Ready, and not on the live host.
        Assert.True(Readiness.Check((await W.GetAsync(ResourceKind.Deployment, "gitea-restore", "gitea", ct))!).Ready);
        Assert.True(Readiness.Check((await W.GetAsync(ResourceKind.Job, "gitea-restore", "gitea-db-init", ct))!).Ready);
        var host = Assert.Single(result.Hosts);
        Assert.Equal(("gitea.cloud.example.com", "gitea-restore.cloud.example.com"), (host.LiveHost, host.VerificationHost));
        var restoredIngress = (await W.GetAsync(ResourceKind.Ingress, "gitea-restore", "gitea", ct))!;
        Assert.Equal("gitea-restore.cloud.example.com", restoredIngress.Arr("spec", "rules")![0].Str("host"));
        Assert.Equal("gitea-restore.cloud.example.com", restoredIngress.Arr("spec", "tls")![0]!.Arr("hosts")![0]!.GetValue<string>());
        Assert.Equal("gitea.cloud.example.com", (await W.GetAsync(ResourceKind.Ingress, "gitea", "gitea", ct))!.Arr("spec", "rules")![0].Str("host"));
        var secret = (await W.GetAsync(ResourceKind.Secret, "gitea-restore", "gitea-secrets", ct))!;
        Assert.NotNull(secret.Str("data", "apps.gitea.dbPassword"));

        // The restored directory deploys to the restore namespace; the live one is as it was.
        Assert.Equal("gitea-restore", YamlDocumentText.Load(Path.Combine(AppDir("gitea-restore"), "kustomization.yaml")).GetScalar(["namespace"]));
        Assert.Equal("gitea", YamlDocumentText.Load(Path.Combine(AppDir("gitea"), "kustomization.yaml")).GetScalar(["namespace"]));
        Assert.DoesNotContain(Engine.GetApps(W.Selector), a => a.Name == "gitea-restore");

        var status = await Engine.GetRestoreStatusAsync(W.Selector, "gitea", ct);
        Assert.Equal(RestoreState.RestoredAwaitingSwitch, status.State);
        Assert.Equal("gitea-restore", status.CheckedNamespace);
        Assert.True(status.Healthy);
        Assert.Contains(status.Health, h => h.Object == "PersistentVolumeClaim gitea-restore/gitea-data" && h.Ready);
        Assert.Null(status.ClusterProblem);

        // A second restore now is refused: switch or discard first.
        Assert.Equal("RestoreAwaitingSwitch", (await Assert.ThrowsAsync<ConflictException>(() => Engine.RestoreAppAsync(W.Selector, "gitea", Quick, NullObserver.Instance, ct))).ErrorId);

        // Switch: directories swapped, hosts moved.
        var switched = await Engine.SwitchRestoreAsync(W.Selector, "gitea", new RestoreStepOptions(), NullObserver.Instance, ct);
        Assert.Equal(("gitea-restore", "gitea"), (switched.Namespace, switched.OldNamespace));
        Assert.Equal(["gitea.cloud.example.com"], switched.Hosts);
        Assert.False(Directory.Exists(AppDir("gitea-restore")));
        Assert.True(Directory.Exists(AppDir("gitea-old")));
        Assert.Equal("gitea-restore", Engine.GetApp(W.Selector, "gitea").Namespace);
        Assert.Equal("gitea.cloud.example.com", (await W.GetAsync(ResourceKind.Ingress, "gitea-restore", "gitea", ct))!.Arr("spec", "rules")![0].Str("host"));
        Assert.Null(await W.GetAsync(ResourceKind.Ingress, "gitea", "gitea", ct));
        Assert.NotNull(await W.GetAsync(ResourceKind.Deployment, "gitea", "gitea", ct)); // the old app runs until cleanup
        Assert.Equal(RestoreState.SwitchedAwaitingCleanup, (await Engine.GetRestoreStatusAsync(W.Selector, "gitea", ct)).State);

        // Cleanup: the old namespace and apps/gitea-old go.
        var cleaned = await Engine.CleanupRestoreAsync(W.Selector, "gitea", new RestoreStepOptions(), NullObserver.Instance, ct);
        Assert.Equal(["gitea"], cleaned.DeletedNamespaces);
        Assert.Null(await W.GetAsync(ResourceKind.Namespace, null, "gitea", ct));
        Assert.False(Directory.Exists(AppDir("gitea-old")));
        Assert.Equal(RestoreState.None, (await Engine.GetRestoreStatusAsync(W.Selector, "gitea", ct)).State);
        Assert.Equal("NothingToCleanUp", (await Assert.ThrowsAsync<NotFoundException>(() => Engine.CleanupRestoreAsync(W.Selector, "gitea", new RestoreStepOptions(), NullObserver.Instance, ct))).ErrorId);

        // The next cycle alternates back: the app lives in gitea-restore, so it is restored into gitea.
        var second = await Engine.BackupAppAsync(W.Selector, "gitea", NullObserver.Instance, ct);
        var secondVolume = Assert.Single(second.Volumes);
        Assert.Equal("gitea-restore", secondVolume.Namespace);
        await GoneAsync(LonghornApi.Backups, LonghornApi.Namespace, volume.LonghornBackup); // latest only: the previous Longhorn backup is deleted
        Assert.NotNull(await W.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, secondVolume.LonghornBackup, ct));
        var again = await Engine.RestoreAppAsync(W.Selector, "gitea", Quick, NullObserver.Instance, ct);
        Assert.Equal(("gitea", "gitea-restore"), (again.Namespace, again.LiveNamespace));
        Assert.Equal(backedUp, await W.Longhorn.ComputeSha256Async(Assert.Single(again.Volumes).LonghornVolume, ct));
        await Engine.SwitchRestoreAsync(W.Selector, "gitea", new RestoreStepOptions(), NullObserver.Instance, ct);
        await Engine.CleanupRestoreAsync(W.Selector, "gitea", new RestoreStepOptions(), NullObserver.Instance, ct);
        Assert.Equal("gitea", Engine.GetApp(W.Selector, "gitea").Namespace);
        Assert.Null(await W.GetAsync(ResourceKind.Namespace, null, "gitea-restore", ct));
        // The first restore's volume lived in gitea-restore: it went with that namespace, nothing leaks.
        await GoneAsync(ResourceKind.PersistentVolume, null, restored.LonghornVolume);
        await GoneAsync(LonghornApi.Volumes, LonghornApi.Namespace, restored.LonghornVolume);
    }

    [Fact]
    public async Task Statefulset_claims_come_back_with_their_data()
    {
        var ct = Timeout;
        await W.DeployAsync("postgres", ct);
        var (_, _) = await WriteDataAsync("postgres", "data-postgres-0", seed: 7);
        var expected = await W.Longhorn.ComputeSha256Async(await W.VolumeOfAsync("postgres", "data-postgres-0", ct), ct);
        var backup = await Engine.BackupAppAsync(W.Selector, "postgres", NullObserver.Instance, ct);
        Assert.Equal("data-postgres-0", Assert.Single(backup.Volumes).Pvc);

        var result = await Engine.RestoreAppAsync(W.Selector, "postgres", Quick, NullObserver.Instance, ct);
        var restored = Assert.Single(result.Volumes);
        Assert.Equal(expected, await W.Longhorn.ComputeSha256Async(restored.LonghornVolume, ct));
        var claim = (await W.GetAsync(ResourceKind.PersistentVolumeClaim, "postgres-restore", "data-postgres-0", ct))!;
        Assert.Equal(restored.LonghornVolume, claim.Str("spec", "volumeName"));
        Assert.Equal(ClusterWorld.ClaimSize, claim.Str("spec", "resources", "requests", "storage"));
        Assert.True(Readiness.Check((await W.GetAsync(ResourceKind.StatefulSet, "postgres-restore", "postgres", ct))!).Ready);

        // Thrown away instead of switched.
        Assert.Equal("RestoreNotSwitched", (await Assert.ThrowsAsync<ConflictException>(() => Engine.CleanupRestoreAsync(W.Selector, "postgres", new RestoreStepOptions(), NullObserver.Instance, ct))).ErrorId);
        var discarded = await Engine.CleanupRestoreAsync(W.Selector, "postgres", new RestoreStepOptions { DiscardRestore = true }, NullObserver.Instance, ct);
        Assert.Equal(["postgres-restore"], discarded.DeletedNamespaces);
        Assert.False(Directory.Exists(AppDir("postgres-restore")));
        Assert.NotNull(await W.GetAsync(ResourceKind.StatefulSet, "postgres", "postgres", ct));
    }

    [Fact]
    public async Task Pods_that_never_get_ready_fail_the_restore_after_its_timeout_and_leave_the_live_app_alone()
    {
        var ct = Timeout;
        await W.DeployAsync("redis", ct);
        await WriteDataAsync("redis", "data-redis-0", seed: 3);
        await Engine.BackupAppAsync(W.Selector, "redis", NullObserver.Instance, ct);
        var config = await File.ReadAllTextAsync(Path.Combine(W.InstancePath, "config.yaml"), ct);
        var live = (await W.GetAsync(ResourceKind.StatefulSet, "redis", "redis", ct))!;
        W.Cluster.AddPodBehavior(new PodBehaviorRule { Namespace = "redis-restore", Behavior = PodBehavior.NeverReady });

        var events = new RecordingObserver();
        var ex = await Assert.ThrowsAsync<WildTimeoutException>(() => Engine.RestoreAppAsync(W.Selector, "redis", Quick with { Timeout = TimeSpan.FromSeconds(3) }, events, ct));
        Assert.Equal("RestoreNotReady", ex.ErrorId);
        Assert.Contains("StatefulSet redis-restore/redis", ex.Message);
        Assert.Contains("redis-0", ex.Message); // the pod that is not ready
        Assert.Contains("live app was not touched", ex.Message);

        // Everything the restore made is gone; the live app is as it was.
        Assert.Null(await W.GetAsync(ResourceKind.Namespace, null, "redis-restore", ct));
        Assert.False(Directory.Exists(AppDir("redis-restore")));
        Assert.Empty(await W.Kube.ListAsync(LonghornApi.Volumes, LonghornApi.Namespace, "restore.wildbackup.io/app=redis", ct));
        Assert.DoesNotContain(await W.Kube.ListAsync(ResourceKind.PersistentVolume, null, "restore.wildbackup.io/app=redis", ct), p => p.Str("metadata", "deletionTimestamp") is null);
        Assert.Equal(config, await File.ReadAllTextAsync(Path.Combine(W.InstancePath, "config.yaml"), ct));
        Assert.Equal(live.Str("metadata", "resourceVersion"), (await W.GetAsync(ResourceKind.StatefulSet, "redis", "redis", ct))!.Str("metadata", "resourceVersion"));
        Assert.Equal(RestoreState.None, (await Engine.GetRestoreStatusAsync(W.Selector, "redis", ct)).State);
        Assert.DoesNotContain(events.Progress("apps/redis"), e => e.Milestone == Milestones.Restore.Complete.Name);
    }

    [Fact]
    public async Task A_missing_backup_or_strategy_is_refused_before_anything_is_made()
    {
        var ct = Timeout;
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => Engine.RestoreAppAsync(W.Selector, "immich", Quick, NullObserver.Instance, ct));
        Assert.Equal("BackupNotFound", missing.ErrorId);
        Assert.False(Directory.Exists(AppDir("immich-restore")));
        Assert.Null(await W.GetAsync(ResourceKind.Namespace, null, "immich-restore", ct));
        Assert.Equal("UnknownStrategy", (await Assert.ThrowsAsync<InvalidInputException>(() => Engine.RestoreAppAsync(W.Selector, "immich", Quick with { Strategy = "in-place" }, NullObserver.Instance, ct))).ErrorId);
        Assert.Equal("NoRestoreToSwitch", (await Assert.ThrowsAsync<NotFoundException>(() => Engine.SwitchRestoreAsync(W.Selector, "immich", new RestoreStepOptions(), NullObserver.Instance, ct))).ErrorId);
    }
    [Fact]
    public async Task An_encrypted_volume_comes_back_encrypted_with_its_passphrase_secret_and_its_data()
    {
        var ct = Timeout;
        await W.CreateEncryptedStorageClassAsync("longhorn-crypto", ct);
        W.CopyApp("redis", "vault", t => t.Replace("storageClassName: longhorn", "storageClassName: longhorn-crypto"));
        await W.DeployAsync("vault", ct);
        var volume = await W.VolumeOfAsync("vault", "data-vault-0", ct);
        Assert.True((await W.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, volume, ct)).Bool("spec", "encrypted"));
        await W.Longhorn.Writer("vault", "data-vault-0").WriteRandomAsync(4096, 300_000, 21, ct);
        var expected = await W.Longhorn.ComputeSha256Async(volume, ct);

        var backup = await Engine.BackupAppAsync(W.Selector, "vault", NullObserver.Instance, ct);
        var record = Assert.Single(backup.Volumes);
        Assert.True(record.Encrypted);
        Assert.Equal(new CsiSecretReference("longhorn-crypto", "longhorn-system"), record.CsiSecretRefs!["nodeStageSecretRef"]);

        var result = await Engine.RestoreAppAsync(W.Selector, "vault", Quick, NullObserver.Instance, ct);
        var restored = Assert.Single(result.Volumes);
        Assert.True((await W.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, restored.LonghornVolume, ct)).Bool("spec", "encrypted"));
        var pv = (await W.GetAsync(ResourceKind.PersistentVolume, null, restored.LonghornVolume, ct))!;
        Assert.Equal("longhorn-crypto", pv.Str("spec", "csi", "nodeStageSecretRef", "name"));
        Assert.Equal("longhorn-system", pv.Str("spec", "csi", "nodePublishSecretRef", "namespace"));
        Assert.True(Readiness.Check((await W.GetAsync(ResourceKind.StatefulSet, "vault-restore", "vault", ct))!).Ready); // its pod mounted the LUKS device
        Assert.Equal(expected, await W.Longhorn.ComputeSha256Async(restored.LonghornVolume, ct));
    }

    [Fact]
    public async Task A_claim_comes_back_with_the_size_it_had_when_the_manifest_now_asks_for_less()
    {
        var ct = Timeout;
        W.CopyApp("redis", "sized");
        await W.DeployAsync("sized", ct);
        await WriteDataAsync("sized", "data-sized-0", seed: 22);
        // The manifest is changed to ask for less; Kubernetes never shrinks the claim, so the volume keeps its 64Mi.
        W.EditApp("sized", "statefulset.yaml", t => t.Replace("storage: " + ClusterWorld.ClaimSize, "storage: 32Mi"));
        var backup = await Engine.BackupAppAsync(W.Selector, "sized", NullObserver.Instance, ct);
        Assert.Equal(64L << 20, Assert.Single(backup.Volumes).SizeBytes);

        var events = new RecordingObserver();
        var result = await Engine.RestoreAppAsync(W.Selector, "sized", Quick, events, ct);
        var claim = (await W.GetAsync(ResourceKind.PersistentVolumeClaim, "sized-restore", "data-sized-0", ct))!;
        Assert.Equal(ClusterWorld.ClaimSize, claim.Str("spec", "resources", "requests", "storage"));
        Assert.Equal((64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            (await W.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, Assert.Single(result.Volumes).LonghornVolume, ct)).Str("spec", "size"));
        Assert.Contains(events.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains("data-sized-0", StringComparison.Ordinal) && e.Milestone.Contains("32Mi", StringComparison.Ordinal));
        Assert.True(Readiness.Check((await W.GetAsync(ResourceKind.StatefulSet, "sized-restore", "sized", ct))!).Ready);
    }
}

public sealed class BlueGreenRestoreTests_Longhorn_1_7(BlueGreenFixture.Longhorn_1_7 f) : BlueGreenRestoreTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_7>;
public sealed class BlueGreenRestoreTests_Longhorn_1_8(BlueGreenFixture.Longhorn_1_8 f) : BlueGreenRestoreTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_8>;
public sealed class BlueGreenRestoreTests_Longhorn_1_9(BlueGreenFixture.Longhorn_1_9 f) : BlueGreenRestoreTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_9>;
public sealed class BlueGreenRestoreTests_Longhorn_1_10(BlueGreenFixture.Longhorn_1_10 f) : BlueGreenRestoreTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_10>;
