using System.Net;

namespace Wild.Backup.Core.Nfs.Rpc;

/// <summary>The portmapper / rpcbind version 2 (RFC 1833 §3): where an RPC program listens.</summary>
internal static class PortmapperClient
{
    public const uint Program = 100000;
    public const uint Version = 2;
    public const int Port = 111;
    private const uint ProcGetPort = 3;
    private const uint ProtocolTcp = 6;

    /// <summary>The TCP port <paramref name="program"/>/<paramref name="version"/> listens on at <paramref name="address"/>, or 0 when it is not registered.</summary>
    public static async Task<int> GetPortAsync(IPAddress address, uint program, uint version, RpcTimeouts timeouts, CancellationToken ct, int portmapperPort = Port)
    {
        await using var client = new RpcClient(new IPEndPoint(address, portmapperPort), Program, Version, RpcCredential.None, timeouts);
        using var reply = await client.CallAsync(ProcGetPort, w =>
        {
            w.WriteUInt32(program);
            w.WriteUInt32(version);
            w.WriteUInt32(ProtocolTcp);
            w.WriteUInt32(0);
        }, ReadOnlyMemory<byte>.Empty, idempotent: true, ct).ConfigureAwait(false);
        var port = reply.Results.ReadUInt32();
        if (port > 65535) throw new RpcProtocolException($"portmapper returned port {port}");
        return (int)port;
    }
}
