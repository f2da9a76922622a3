using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Tests.Restores;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>The disaster a backup is for: the app's namespace is deleted, and the scheduled backup runs anyway.</summary>
public abstract class VolumeCarryOverTests(BlueGreenFixture f)
{
    [Fact]
    public async Task A_lost_namespace_does_not_cost_the_last_volume_backup_and_the_data_comes_back()
    {
        var ct = new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
        var w = f.World;
        var engine = f.Engine;
        await w.DeployAsync("gitea", ct);
        await w.Longhorn.Writer("gitea", "gitea-data").WriteRandomAsync(0, 120_000, 11, ct);
        var expected = await w.Longhorn.ComputeSha256Async(await w.VolumeOfAsync("gitea", "gitea-data", ct), ct);
        var good = Assert.Single((await engine.BackupAppAsync(w.Selector, "gitea", NullObserver.Instance, ct)).Volumes);

        // The namespace is deleted by accident; the claims and their volumes go with it.
        await w.Kube.DeleteAsync(ResourceKind.Namespace, null, "gitea", ct);
        await Waits.UntilAsync(async t => (await w.GetAsync(ResourceKind.Namespace, null, "gitea", t) is null, true, "gitea terminating"),
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100), null, s => new TimeoutException(s), ct);

        var events = new RecordingObserver();
        var after = await engine.BackupAppAsync(w.Selector, "gitea", events, ct);
        var carried = Assert.Single(after.Volumes);
        Assert.True(carried.CarriedOver);
        Assert.Equal(good.LonghornBackup, carried.LonghornBackup);
        Assert.Contains(events.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains("gitea-data is not in namespace gitea any more"));
        Assert.NotNull(await w.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, good.LonghornBackup, ct));

        // And it restores: the data of the last good backup, in a fresh namespace, while "the live app" is gone.
        var restored = await engine.RestoreAppAsync(w.Selector, "gitea", new AppRestoreOptions { Timeout = TimeSpan.FromSeconds(60) }, NullObserver.Instance, ct);
        Assert.Equal(expected, await w.Longhorn.ComputeSha256Async(Assert.Single(restored.Volumes).LonghornVolume, ct));
        var switched = await engine.SwitchRestoreAsync(w.Selector, "gitea", new RestoreStepOptions(), NullObserver.Instance, ct);
        Assert.Equal("gitea-restore", switched.Namespace);
        var cleaned = await engine.CleanupRestoreAsync(w.Selector, "gitea", new RestoreStepOptions(), NullObserver.Instance, ct);
        Assert.Empty(cleaned.DeletedNamespaces); // the old namespace was already gone
        Assert.False(Directory.Exists(Path.Combine(w.InstancePath, "apps", "gitea-old")));
    }
}

public sealed class VolumeCarryOverTests_Longhorn_1_7(BlueGreenFixture.Longhorn_1_7 f) : VolumeCarryOverTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_7>;
public sealed class VolumeCarryOverTests_Longhorn_1_8(BlueGreenFixture.Longhorn_1_8 f) : VolumeCarryOverTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_8>;
public sealed class VolumeCarryOverTests_Longhorn_1_9(BlueGreenFixture.Longhorn_1_9 f) : VolumeCarryOverTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_9>;
public sealed class VolumeCarryOverTests_Longhorn_1_10(BlueGreenFixture.Longhorn_1_10 f) : VolumeCarryOverTests(f), IClassFixture<BlueGreenFixture.Longhorn_1_10>;
