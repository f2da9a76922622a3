using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Tests.Nfs.Support;

/// <summary>A call as the fake server received it.</summary>
public sealed record FakeCall(uint Xid, uint Procedure, byte[] Args, int Connection, uint Program = 0);

/// <summary>
/// A tiny ONC RPC server over TCP on loopback for transport tests: it decodes each call's header and asks the
/// test's handler what to do. The handler's answer: results to send (wrapped as an accepted SUCCESS reply), or null to
/// never answer. Knobs: split replies into small fragments, drop a connection, stop and restart the listener.
/// </summary>
public sealed class FakeRpcServer : IAsyncDisposable
{
    private readonly Func<FakeCall, Task<byte[]?>> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private TcpListener _listener;
    private Task _acceptLoop;
    private int _connections;

    public FakeRpcServer(Func<FakeCall, Task<byte[]?>> handler, int port = 0)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync(_listener);
    }

    public int Port { get; }
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Send replies in fragments of this many bytes (0: one fragment).</summary>
    public int FragmentSize { get; set; }

    /// <summary>Closes every open connection (the server "crashes" for its clients) but keeps listening.</summary>
    public void DropConnections()
    {
        lock (_clients)
        {
            foreach (var c in _clients) c.Client.Close(0);
            _clients.Clear();
        }
    }

    /// <summary>Stops listening and drops connections: connects are refused until <see cref="Listen"/>.</summary>
    public void StopListening()
    {
        _listener.Stop();
        DropConnections();
    }

    public void Listen()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync(_listener);
    }

    /// <summary>Results holding one 4-byte value.</summary>
    public static byte[] Word(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(_stop.Token);
                lock (_clients) _clients.Add(client);
                var n = Interlocked.Increment(ref _connections);
                _ = ServeAsync(client, n);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        var stream = client.GetStream();
        var sendLock = new SemaphoreSlim(1, 1);
        try
        {
            while (true)
            {
                using var record = await RecordMarking.ReadRecordAsync(stream, 1 << 24, _stop.Token);
                var r = new XdrReader(record.Memory.ToArray());
                var xid = r.ReadUInt32();
                r.ReadUInt32(); // CALL
                r.ReadUInt32(); // rpcvers
                var program = r.ReadUInt32();
                r.ReadUInt32(); // version
                var proc = r.ReadUInt32();
                r.ReadUInt32(); r.ReadOpaque(); // credential
                r.ReadUInt32(); r.ReadOpaque(); // verifier
                var args = record.Memory[r.Position..].ToArray();
                _ = AnswerAsync(new FakeCall(xid, proc, args, connection, program), stream, sendLock);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task AnswerAsync(FakeCall call, NetworkStream stream, SemaphoreSlim sendLock)
    {
        var results = await _handler(call);
        if (results is null) return;
        using var w = new XdrWriter();
        foreach (var word in new uint[] { call.Xid, 1, 0, 0, 0, 0 }) w.WriteUInt32(word); // REPLY, ACCEPTED, AUTH_NONE, SUCCESS
        w.WriteFixedOpaque(results);
        var body = w.Written.ToArray();
        var wire = new MemoryStream();
        var size = FragmentSize > 0 ? FragmentSize : Math.Max(1, body.Length);
        for (var off = 0; off < body.Length || off == 0; off += size)
        {
            var n = Math.Min(size, body.Length - off);
            var mark = new byte[4];
            RecordMarking.WriteMark(mark, n, last: off + n >= body.Length);
            wire.Write(mark);
            wire.Write(body, off, n);
            if (body.Length == 0) break;
        }
        await sendLock.WaitAsync();
        try
        {
            await stream.WriteAsync(wire.ToArray());
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
        }
        finally
        {
            sendLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        StopListening();
        try { await _acceptLoop; } catch (Exception) { }
    }
}
