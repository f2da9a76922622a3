using System.Net;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Nfs.Mount;
using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.V3;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs;

/// <summary>rpcbind holds one registration per program for the whole machine, so tests that rely on it run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PortmapperCollection
{
    public const string Name = "rpcbind registrations";
}

[Collection(PortmapperCollection.Name)]
public sealed class NfsStorePortmapperTests
{
    private static readonly RpcTimeouts Timeouts = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token;

    [Fact]
    public async Task A_url_without_ports_finds_them_through_the_portmapper()
    {
        await using var g = await OwnGanesha.StartAsync();
        // A server started elsewhere meanwhile (another test process) may hold the registration: ours registers again on restart.
        for (var i = 0; i < 3 && !await RegisteredAsync(g); i++) await g.Server.RestartAsync();
        Assert.True(await RegisteredAsync(g), "our Ganesha is not the one registered with rpcbind");

        Directory.CreateDirectory(g.Local("found"));
        await using var store = new NfsStore("nfs://127.0.0.1/export/found?timeout=5");
        await using (var s = await store.CreateFileAsync("via-portmapper", CreateOptions.Default, Ct))
            await s.WriteAsync(new byte[] { 1, 2, 3 }, Ct);
        await store.FlushAsync(Ct);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(g.Local("found", "via-portmapper")));
    }

    private static async Task<bool> RegisteredAsync(OwnGanesha g) =>
        await PortmapperClient.GetPortAsync(IPAddress.Loopback, Nfs3Client.Program, Nfs3Client.Version, Timeouts, Ct) == g.Server.NfsPort
        && await PortmapperClient.GetPortAsync(IPAddress.Loopback, MountClient.Program, MountClient.Version, Timeouts, Ct) == g.Server.MountPort;
}
