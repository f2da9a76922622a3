using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Simulator.Hosting;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Restores;

/// <summary>Catalogue-like apps of a real instance (<see cref="RealisticWorld"/>) on the simulated cluster: backed up with
/// their Longhorn volumes and restored blue-green — postgres as a Deployment with claim postgres-pvc, mysql as the
/// StatefulSet whose claim data-mysql-0 comes from a volumeClaimTemplate, vllm whose namespace (llm) is not its name.</summary>
public sealed class RealInstanceRestoreTests : IAsyncLifetime
{
    private readonly RealisticWorld _world = new();
    private readonly WildBackupEngine _engine = new(ClusterWorld.EngineOptions);
    private InstanceCluster _cluster = null!;
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
    private InstanceSelector Home => _world.Selector(RealisticWorld.Home);

    public async Task InitializeAsync() =>
        _cluster = await InstanceCluster.StartAsync(_world.InstancePath(RealisticWorld.Home), ClusterWorld.SimulatedOptions(), ClusterWorld.ClaimSize, CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _world.Dispose();
    }

    [Fact]
    public async Task A_Deployment_claim_a_StatefulSet_claim_and_an_app_in_another_namespace_come_back_byte_for_byte()
    {
        var ct = Timeout;
        foreach (var app in new[] { "postgres", "mysql", "vllm" }) await _cluster.DeployAsync(app, ClusterWorld.Wait, ct);
        var data = new Dictionary<string, string>();
        foreach (var (ns, claim, seed) in new[] { ("postgres", "postgres-pvc", 1), ("mysql", "data-mysql-0", 2) })
        {
            var volume = await _cluster.Longhorn.WaitForVolumeAsync(ns, claim, ClusterWorld.Wait, ct);
            await _cluster.Longhorn.Writer(ns, claim).WriteRandomAsync(4096 * 3, 200_000, seed, ct);
            data[claim] = await _cluster.Longhorn.ComputeSha256Async(volume, ct);
        }

        var backups = new List<Wild.Backup.Core.Backups.BackupOutcome>();
        await foreach (var o in _engine.BackupAppsAsync(Home, ["postgres", "mysql", "vllm"], NullObserver.Instance, ct)) backups.Add(o);
        Assert.All(backups, b => Assert.Null(b.Error));
        Assert.Equal("postgres-pvc", Assert.Single(backups.Single(b => b.Name == "postgres").Backup!.Volumes).Pvc);
        Assert.Equal("data-mysql-0", Assert.Single(backups.Single(b => b.Name == "mysql").Backup!.Volumes).Pvc);
        Assert.Empty(backups.Single(b => b.Name == "vllm").Backup!.Volumes);

        var options = new AppRestoreOptions { Timeout = TimeSpan.FromSeconds(60) };
        var postgres = await _engine.RestoreAppAsync(Home, "postgres", options, NullObserver.Instance, ct);
        Assert.Equal("postgres-restore", postgres.Namespace);
        Assert.Equal(data["postgres-pvc"], await _cluster.Longhorn.ComputeSha256Async(Assert.Single(postgres.Volumes).LonghornVolume, ct));
        Assert.NotNull(await _cluster.Kube.GetAsync(ResourceKind.Secret, "postgres-restore", "postgres-secrets", ct)); // {app}-secrets from requiredSecrets

        var mysql = await _engine.RestoreAppAsync(Home, "mysql", options, NullObserver.Instance, ct);
        var restoredClaim = Assert.Single(mysql.Volumes);
        Assert.Equal("data-mysql-0", restoredClaim.Pvc);
        Assert.Equal(data["data-mysql-0"], await _cluster.Longhorn.ComputeSha256Async(restoredClaim.LonghornVolume, ct));
        Assert.True(Readiness.Check((await _cluster.Kube.GetAsync(ResourceKind.StatefulSet, "mysql-restore", "mysql", ct))!).Ready);

        var vllm = await _engine.RestoreAppAsync(Home, "vllm", options, NullObserver.Instance, ct);
        Assert.Equal("llm", vllm.LiveNamespace);
        Assert.Equal("vllm-restore", vllm.Namespace);
        Assert.True(Readiness.Check((await _cluster.Kube.GetAsync(ResourceKind.Deployment, "vllm-restore", "vllm", ct))!).Ready);
        Assert.NotNull(await _cluster.Kube.GetAsync(ResourceKind.Deployment, "llm", "vllm", ct)); // the live copy runs on

        // The copies are not apps; the apps are listed as before.
        Assert.Equal(RealisticWorld.HomeApps, _engine.GetApps(Home).Select(a => a.Name));
    }
}
