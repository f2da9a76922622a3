using k8s;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;
using Xunit.Abstractions;

namespace Wild.Backup.Simulator.Tests.Longhorn;

public sealed class ClusterSmokeTests(LonghornCluster lh, ITestOutputHelper output) : IClassFixture<LonghornCluster>
{
    [Fact]
    public async Task Smoke()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        try
        {
            var volume = await lh.CreateClaimAsync(ns, "data");
            await lh.Longhorn.WriteAsync(ns, "data", 0, new byte[] { 1, 2, 3 }, default);
            var b = await lh.BackupAsync(volume, LonghornCluster.Unique("backup"));
            Assert.Equal("Completed", b.Status!.State);
        }
        finally
        {
            foreach (var e in (await lh.Client.CoreV1.ListEventForAllNamespacesAsync()).Items)
                output.WriteLine($"{e.InvolvedObject.Kind}/{e.InvolvedObject.Name} {e.Reason}: {e.Message}");
            output.WriteLine(KubernetesJson.Serialize(await lh.Volumes.ListNamespacedAsync<LonghornList<LhVolume>>("longhorn-system")));
            output.WriteLine(KubernetesJson.Serialize(await lh.BackupTargets.ListNamespacedAsync<LonghornList<LhBackupTarget>>("longhorn-system")));
        }
    }
}
