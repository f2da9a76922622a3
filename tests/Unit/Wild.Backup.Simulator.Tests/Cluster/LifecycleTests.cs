using System.Net.Sockets;
using k8s;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Security;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Cluster;

/// <summary>Starting, serving over plain HTTP, and stopping everything on dispose.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Dispose_closes_the_port_and_ends_open_watches()
    {
        var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { RunControllers = false });
        var port = cluster.BaseUri.Port;
        using var raw = new RawApi(cluster);
        using var watch = await raw.WatchAsync("/api/v1/configmaps?watch=1&resourceVersion=" + cluster.ResourceVersion);
        var next = watch.NextAsync(TimeSpan.FromSeconds(20));
        await cluster.DisposeAsync();
        Assert.Null(await next);
        using var socket = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync("127.0.0.1", port));
    }

    [Fact]
    public async Task Plain_http_mode_uses_a_token_kubeconfig()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { UseHttps = false, RunControllers = false });
        Assert.Equal("http", cluster.BaseUri.Scheme);
        Assert.Throws<InvalidOperationException>(() => cluster.KubeconfigText());
        using var client = Clients.FromKubeconfigFile(cluster, KubeconfigCredential.Token);
        Assert.Equal(3, (await client.CoreV1.ListNodeAsync()).Items.Count);
    }

    [Fact]
    public async Task Fixed_port_and_custom_nodes()
    {
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { Port = port, NodeNames = ["solo"], RunControllers = false });
        Assert.Equal(port, cluster.BaseUri.Port);
        using var client = Clients.FromKubeconfigFile(cluster);
        Assert.Equal("solo", (await client.CoreV1.ListNodeAsync()).Items.Single().Metadata.Name);
    }
}
