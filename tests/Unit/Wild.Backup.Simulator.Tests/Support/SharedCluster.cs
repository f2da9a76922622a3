using k8s;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Provisioning;
using Wild.Backup.Simulator.Security;

namespace Wild.Backup.Simulator.Tests.Support;

/// <summary>
/// One simulated cluster shared by the test classes that can use unique namespaces (started on first
/// use, stopped at process exit). Timings are short so controller effects arrive quickly.
/// </summary>
internal static class SharedCluster
{
    private static readonly Lazy<Task<SimulatedCluster>> Instance = new(StartAsync);

    /// <summary>A provisioner registered for the "sim-test" StorageClass tests create.</summary>
    public static readonly CsiVolumeProvisioner TestProvisioner = new("test.csi.wildbackup.io");

    public static Task<SimulatedCluster> GetAsync() => Instance.Value;

    public static SimulatedClusterOptions FastOptions() => new()
    {
        PodStartDelay = TimeSpan.FromMilliseconds(100),
        PodTerminationDelay = TimeSpan.FromMilliseconds(100),
        JobPodRunDuration = TimeSpan.FromMilliseconds(300),
        CrashLoopRestartInterval = TimeSpan.FromMilliseconds(300),
        WatchBookmarkInterval = TimeSpan.FromMilliseconds(300),
    };

    private static async Task<SimulatedCluster> StartAsync()
    {
        var options = FastOptions();
        options.Provisioners.Add(TestProvisioner);
        var cluster = await SimulatedCluster.StartAsync(options);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(15));
        return cluster;
    }

    /// <summary>A typed client built from a kubeconfig file, exactly as the product loads one.</summary>
    public static async Task<Kubernetes> ClientAsync(KubeconfigCredential credential = KubeconfigCredential.ClientCertificate)
        => Clients.FromKubeconfigFile(await GetAsync(), credential);
}

internal static class Clients
{
    public static Kubernetes FromKubeconfigFile(SimulatedCluster cluster, KubeconfigCredential credential = KubeconfigCredential.ClientCertificate)
    {
        var path = Path.Combine(Path.GetTempPath(), $"wild-sim-kubeconfig-{Guid.NewGuid():N}");
        try
        {
            cluster.WriteKubeconfig(path, credential);
            return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
