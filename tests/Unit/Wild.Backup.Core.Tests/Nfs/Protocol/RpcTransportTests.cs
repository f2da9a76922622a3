using System.Collections.Concurrent;
using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs.Protocol;

/// <summary>The RPC transport against an in-process server: pipelining, xid matching, timeouts, cancellation, reconnects.</summary>
public sealed class RpcTransportTests
{
    private static readonly RpcTimeouts Quick = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));

    private static RpcClient Client(FakeRpcServer server, RpcTimeouts? timeouts = null) =>
        new(server.EndPoint, 1234, 1, AuthSys.Create(1, 1, null, "test"), timeouts ?? Quick);

    private static async Task<uint> CallWord(RpcClient client, uint proc, uint arg, bool idempotent = true, CancellationToken ct = default)
    {
        using var reply = await client.CallAsync(proc, w => w.WriteUInt32(arg), default, idempotent, ct);
        return reply.Results.ReadUInt32();
    }

    private static uint ArgOf(FakeCall call) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(call.Args);

    [Fact]
    public async Task Many_calls_are_in_flight_at_once_on_one_connection_and_replies_match_by_xid()
    {
        const int n = 16;
        var arrived = new ConcurrentQueue<(FakeCall Call, TaskCompletionSource Release)>();
        var allHere = new TaskCompletionSource();
        await using var server = new FakeRpcServer(async call =>
        {
            var release = new TaskCompletionSource();
            arrived.Enqueue((call, release));
            if (arrived.Count == n) allHere.TrySetResult();
            await release.Task;
            return FakeRpcServer.Word(ArgOf(call) * 10);
        });
        await using var client = Client(server);
        var calls = Enumerable.Range(1, n).Select(i => CallWord(client, 1, (uint)i)).ToArray();

        // The server holds every reply until all 16 requests are in: only a pipelining client gets here.
        await allHere.Task.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var (_, release) in arrived.Reverse()) release.SetResult(); // answer in reverse order

        var results = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(1, n).Select(i => (uint)i * 10), results);
        Assert.Equal(1, server.Connections);
        Assert.Equal(n, arrived.Select(a => a.Call.Xid).Distinct().Count());
    }

    [Fact]
    public async Task A_reply_in_many_fragments_is_reassembled()
    {
        await using var server = new FakeRpcServer(call => Task.FromResult<byte[]?>(Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray())) { FragmentSize = 7 };
        await using var client = Client(server);
        using var reply = await client.CallAsync(1, null, default, true, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (byte)i), reply.Results.ReadFixedOpaque(1000).ToArray());
    }

    [Fact]
    public async Task A_payload_goes_out_after_the_arguments_with_padding()
    {
        byte[]? seen = null;
        await using var server = new FakeRpcServer(call => { seen = call.Args; return Task.FromResult<byte[]?>(FakeRpcServer.Word(0)); });
        await using var client = Client(server);
        using (await client.CallAsync(7, w => w.WriteUInt32(5), new byte[] { 1, 2, 3, 4, 5 }, true, CancellationToken.None)) { }
        Assert.Equal([0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0], seen);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out()
    {
        await using var server = new FakeRpcServer(_ => Task.FromResult<byte[]?>(null));
        await using var client = Client(server, new RpcTimeouts(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5)));
        await Assert.ThrowsAsync<RpcTimeoutException>(() => CallWord(client, 1, 1));
    }

    [Fact]
    public async Task Cancelling_a_call_leaves_the_connection_usable()
    {
        await using var server = new FakeRpcServer(call => Task.FromResult<byte[]?>(ArgOf(call) == 0 ? null : FakeRpcServer.Word(ArgOf(call))));
        await using var client = Client(server);
        using var cts = new CancellationTokenSource();
        var hanging = CallWord(client, 1, 0, ct: cts.Token);
        await Task.Delay(50);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hanging);
        Assert.Equal(5u, await CallWord(client, 1, 5));
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task A_cancelled_call_that_changes_state_still_returns_the_reply_the_server_sent()
    {
        // The server applies a sent RENAME or CREATE whatever the caller does; the caller must learn what happened.
        var received = new TaskCompletionSource();
        await using var server = new FakeRpcServer(async call =>
        {
            received.TrySetResult();
            await Task.Delay(300);
            return FakeRpcServer.Word(ArgOf(call) + 1);
        });
        await using var client = Client(server);
        using var cts = new CancellationTokenSource();
        var call = client.CallAsync(1, w => w.WriteUInt32(41), default, idempotent: false, cts.Token, seeThrough: true);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();
        using var reply = await call;
        Assert.Equal(42u, reply.Results.ReadUInt32());
    }

    [Fact]
    public async Task A_cancelled_call_that_changes_state_gives_up_after_the_grace_when_the_server_never_answers()
    {
        await using var server = new FakeRpcServer(_ => Task.FromResult<byte[]?>(null));
        await using var client = Client(server);
        using var cts = new CancellationTokenSource();
        var call = client.CallAsync(1, w => w.WriteUInt32(1), default, idempotent: false, cts.Token, seeThrough: true);
        await Task.Delay(50);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(RpcConnection.SeeThroughGrace + TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task After_the_server_drops_the_connection_the_next_call_reconnects()
    {
        await using var server = new FakeRpcServer(call => Task.FromResult<byte[]?>(FakeRpcServer.Word(ArgOf(call))));
        await using var client = Client(server);
        Assert.Equal(1u, await CallWord(client, 1, 1));
        server.DropConnections();
        Assert.Equal(2u, await CallWord(client, 1, 2, idempotent: false));
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task An_idempotent_call_cut_off_by_a_lost_connection_is_sent_again_with_the_same_xid()
    {
        var seen = new ConcurrentQueue<FakeCall>();
        FakeRpcServer? server = null;
        server = new FakeRpcServer(call =>
        {
            seen.Enqueue(call);
            if (call.Connection == 1) { server!.DropConnections(); return Task.FromResult<byte[]?>(null); }
            return Task.FromResult<byte[]?>(FakeRpcServer.Word(99));
        });
        await using (server)
        {
            await using var client = Client(server);
            Assert.Equal(99u, await CallWord(client, 1, 1, idempotent: true));
            Assert.Equal(2, seen.Count);
            Assert.Single(seen.Select(c => c.Xid).Distinct());
        }
    }

    [Fact]
    public async Task A_non_idempotent_call_cut_off_after_sending_is_not_sent_again()
    {
        var seen = 0;
        FakeRpcServer? server = null;
        server = new FakeRpcServer(call =>
        {
            Interlocked.Increment(ref seen);
            server!.DropConnections();
            return Task.FromResult<byte[]?>(null);
        });
        await using (server)
        {
            await using var client = Client(server);
            var ex = await Assert.ThrowsAsync<RpcTransportException>(() => CallWord(client, 14, 1, idempotent: false));
            Assert.True(ex.RequestSent);
            Assert.Equal(1, seen);
        }
    }

    [Fact]
    public async Task A_refused_first_connection_fails_at_once()
    {
        var port = DeadEnds.ClosedPort();
        await using var client = new RpcClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), 1, 1, RpcCredential.None, Quick);
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => CallWord(client, 1, 1));
        Assert.True(ex.ConnectFailed);
    }

    [Fact]
    public async Task A_server_that_restarts_is_waited_for_within_the_deadline()
    {
        await using var server = new FakeRpcServer(call => Task.FromResult<byte[]?>(FakeRpcServer.Word(ArgOf(call))));
        await using var client = Client(server);
        Assert.Equal(1u, await CallWord(client, 1, 1));
        server.StopListening();
        var during = CallWord(client, 1, 2); // refused for a while: the client keeps knocking
        await Task.Delay(400);
        Assert.False(during.IsCompleted);
        server.Listen();
        Assert.Equal(2u, await during);
    }

    [Fact]
    public async Task A_server_gone_for_good_fails_the_call_at_its_deadline()
    {
        await using var server = new FakeRpcServer(call => Task.FromResult<byte[]?>(FakeRpcServer.Word(1)));
        await using var client = Client(server, new RpcTimeouts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        await CallWord(client, 1, 1);
        server.StopListening();
        var ex = await Assert.ThrowsAnyAsync<RpcException>(() => CallWord(client, 1, 1));
        Assert.True(ex is RpcTimeoutException or RpcTransportException { ConnectFailed: true }, ex.ToString());
    }

    [Fact]
    public async Task A_privileged_process_connects_from_reserved_ports_and_skips_those_busy_towards_the_same_server()
    {
        // The tests run as root (as CI does); an unprivileged process connects from an ordinary port instead.
        // Only 359 reserved ports exist: with many of them in live connections to one server, a new connection must
        // skip the busy ones (binding succeeds, connecting fails with EADDRNOTAVAIL) rather than fail. 250, not all:
        // other tests in this process connect from reserved ports too, and when none is left an ordinary one is used.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start(1024);
        var endpoint = (System.Net.IPEndPoint)listener.LocalEndpoint;
        var connections = new List<RpcConnection>();
        var accepted = new List<System.Net.Sockets.Socket>();
        try
        {
            for (var i = 0; i < 250; i++)
            {
                connections.Add(await RpcConnection.ConnectAsync(endpoint, TimeSpan.FromSeconds(10), CancellationToken.None, reservedPort: true));
                accepted.Add(await listener.AcceptSocketAsync());
            }
            var ports = accepted.Select(a => ((System.Net.IPEndPoint)a.RemoteEndPoint!).Port).ToList();
            Assert.Equal(ports.Count, ports.Distinct().Count());
            Assert.True(ports.Count(p => p is >= ReservedPorts.Low and <= ReservedPorts.High) >= 200, $"reserved ports used: {ports.Count(p => p <= ReservedPorts.High)} of 250");
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
            foreach (var a in accepted) a.Dispose();
        }
    }
}
