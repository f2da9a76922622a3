using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Wild.Backup.Core.Nfs.Rpc;

/// <summary>
/// One TCP connection to an RPC server carrying many calls at once: requests are written whole under a lock,
/// a single reader matches replies to waiting calls by xid, in whatever order they come back. Once anything
/// goes wrong with the connection (end of stream, reset, a call timing out, garbage) it is dead for good:
/// every waiting call fails and <see cref="RpcClient"/> opens a new one.
/// </summary>
internal sealed class RpcConnection : IAsyncDisposable
{
    /// <summary>Largest reply accepted: the biggest READ/READDIRPLUS we ask for is far smaller.</summary>
    public const int MaxRecordLength = 64 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, TaskCompletionSource<PooledBuffer>> _pending = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly Task _reader;
    private Exception? _failure;

    private RpcConnection(Socket socket, string peer)
    {
        _socket = socket;
        Peer = peer;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>"host:port" of the server, for messages.</summary>
    public string Peer { get; }

    public bool IsOpen => Volatile.Read(ref _failure) is null;

    /// <summary>Opens a connection within <paramref name="timeout"/>. Throws <see cref="RpcTransportException"/> (refused,
    /// unreachable) or <see cref="RpcTimeoutException"/>. With <paramref name="reservedPort"/> the local port is taken below
    /// 1024 when this process may (root, CAP_NET_BIND_SERVICE): NFS servers exporting with "secure" (Linux's default) accept
    /// nothing else.</summary>
    public static async Task<RpcConnection> ConnectAsync(IPEndPoint endpoint, TimeSpan timeout, CancellationToken ct, bool reservedPort = false)
    {
        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        if (reservedPort && await ConnectFromReservedPortAsync(endpoint, timeout, linked.Token, ct).ConfigureAwait(false) is { } connection)
            return connection;
        // Not privileged, or every reserved port busy: an ordinary port.
        return await ConnectSocketAsync(NewSocket(endpoint), endpoint, timeout, linked.Token, ct).ConfigureAwait(false);
    }

    /// <summary>A connection from a reserved port, or null when this process may not bind one or every one is busy.</summary>
    private static async Task<RpcConnection?> ConnectFromReservedPortAsync(IPEndPoint endpoint, TimeSpan timeout, CancellationToken deadline, CancellationToken ct)
    {
        foreach (var port in ReservedPorts.Candidates())
        {
            var socket = NewSocket(endpoint);
            var bind = ReservedPorts.TryBind(socket, port);
            if (bind != ReservedPorts.Bind.Bound)
            {
                socket.Dispose();
                if (bind == ReservedPorts.Bind.NotAllowed) return null;
                continue;
            }
            try
            {
                return await ConnectSocketAsync(socket, endpoint, timeout, deadline, ct).ConfigureAwait(false);
            }
            catch (RpcTransportException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressNotAvailable or SocketError.AddressAlreadyInUse })
            {
                // The port is free to bind but another live connection from it goes to this very server (same
                // four-tuple): only a few hundred reserved ports exist. The next one, as the kernel's client does.
            }
        }
        return null;
    }

    private static Socket NewSocket(IPEndPoint endpoint) => new(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    /// <summary>Connects <paramref name="socket"/> (disposed on failure) within the caller's deadline.</summary>
    private static async Task<RpcConnection> ConnectSocketAsync(Socket socket, IPEndPoint endpoint, TimeSpan timeout, CancellationToken deadline, CancellationToken ct)
    {
        var peer = endpoint.ToString();
        try
        {
            await socket.ConnectAsync(endpoint, deadline).ConfigureAwait(false);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            return new RpcConnection(socket, peer);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RpcTimeoutException($"no TCP connection to {peer} within {timeout.TotalSeconds:0.#} s");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new RpcTransportException($"cannot connect to {peer}: {ex.SocketErrorCode}", connectFailed: true, requestSent: false, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>How long a cancelled call that changes the server's state still waits for its reply (<c>seeThrough</c>).</summary>
    internal static readonly TimeSpan SeeThroughGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sends one record (<paramref name="head"/>, then <paramref name="payload"/> followed by <paramref name="padding"/> zero bytes)
    /// and waits for the reply with the same xid. The whole exchange is bounded by <paramref name="timeout"/>; a timeout kills
    /// the connection (a server that stops answering is not trusted with later calls). Cancelling before the request is on the
    /// wire changes nothing; cancelling while it is being written kills the connection, since half a record cannot be taken back.
    /// With <paramref name="seeThrough"/>, cancelling once the request is sent still waits up to <see cref="SeeThroughGrace"/>
    /// for the reply (a call that changed the server's state returns what it did).
    /// </summary>
    public async Task<PooledBuffer> CallAsync(uint xid, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> payload, int padding, TimeSpan timeout, CancellationToken ct, bool seeThrough = false)
    {
        var tcs = new TaskCompletionSource<PooledBuffer>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(xid, tcs)) throw new InvalidOperationException($"xid {xid} is already in flight");
        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token, _closed.Token);
        var sending = false;
        var sent = false;
        try
        {
            ThrowIfFailed(requestSent: false);
            await _sendLock.WaitAsync(linked.Token).ConfigureAwait(false);
            try
            {
                ThrowIfFailed(requestSent: false);
                sending = true;
                await _stream.WriteAsync(head, linked.Token).ConfigureAwait(false);
                if (!payload.IsEmpty) await _stream.WriteAsync(payload, linked.Token).ConfigureAwait(false);
                if (padding > 0) await _stream.WriteAsync(Zeros.AsMemory(0, padding), linked.Token).ConfigureAwait(false);
                sent = true;
            }
            catch (Exception ex) when (sending && !sent)
            {
                // Half a record on the wire: the stream is unusable whatever happened.
                Fail(ex switch
                {
                    OperationCanceledException when timeoutCts.IsCancellationRequested && !ct.IsCancellationRequested =>
                        new RpcTimeoutException($"{Peer} took no data for {timeout.TotalSeconds:0.#} s"),
                    OperationCanceledException => new IOException("send interrupted"),
                    _ => ex,
                });
                throw;
            }
            finally
            {
                _sendLock.Release();
            }
            if (!seeThrough) return await tcs.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            // Sent: the server acts on it whatever the caller does now, so a cancelled caller still waits a little for what
            // it did — a server that answers at all answers within the grace; a hung one does not hold Ctrl-C up longer.
            using var grace = new CancellationTokenSource();
            using var onCancel = ct.Register(() => grace.CancelAfter(SeeThroughGrace));
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, _closed.Token, grace.Token);
            return await tcs.Task.WaitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && timeoutCts.IsCancellationRequested && !_closed.IsCancellationRequested)
        {
            var t = new RpcTimeoutException($"no reply from {Peer} within {timeout.TotalSeconds:0.#} s");
            Fail(t);
            throw t;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw FailureAsSeenByCall(sent);
        }
        catch (IOException ex) when (ex is not RpcException)
        {
            throw FailureAsSeenByCall(sent);
        }
        catch (ObjectDisposedException)
        {
            throw FailureAsSeenByCall(sent);
        }
        finally
        {
            if (_pending.TryRemove(xid, out var mine) && mine.Task.IsCompletedSuccessfully) mine.Task.Result.Dispose();
        }
    }

    private static readonly byte[] Zeros = new byte[4];

    private void ThrowIfFailed(bool requestSent)
    {
        if (Volatile.Read(ref _failure) is not null) throw FailureAsSeenByCall(requestSent);
    }

    private Exception FailureAsSeenByCall(bool requestSent)
    {
        var f = Volatile.Read(ref _failure);
        return f switch
        {
            RpcTimeoutException t => new RpcTimeoutException(t.Message),
            RpcProtocolException p => new RpcProtocolException(p.Message, p),
            _ => new RpcTransportException($"connection to {Peer} lost: {Describe(f)}", connectFailed: false, requestSent, f),
        };
    }

    private static string Describe(Exception? ex) => ex switch
    {
        null => "closed",
        EndOfStreamException => "the server closed it",
        IOException { InnerException: SocketException se } => se.SocketErrorCode.ToString(),
        SocketException se => se.SocketErrorCode.ToString(),
        _ => ex.Message,
    };

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var record = await RecordMarking.ReadRecordAsync(_stream, MaxRecordLength, _closed.Token).ConfigureAwait(false);
                var xid = RpcMessage.PeekXid(record.Memory.Span);
                if (xid is { } x && _pending.TryRemove(x, out var tcs) && tcs.TrySetResult(record)) continue;
                record.Dispose(); // a reply nobody waits for any more (timed out or cancelled)
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    /// <summary>Marks the connection dead (first cause wins), closes the socket and fails every waiting call.</summary>
    private void Fail(Exception cause)
    {
        if (Interlocked.CompareExchange(ref _failure, cause, null) is not null) return;
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        _stream.Dispose();
        foreach (var (xid, tcs) in _pending)
        {
            if (_pending.TryRemove(xid, out _)) tcs.TrySetException(FailureAsSeenByCall(requestSent: true));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(RpcConnection), "connection closed by the client"));
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the reader only ends by failing; that failure is already recorded
        }
    }
}

/// <summary>Local ports 665-1023, the range the Linux kernel's own NFS client uses.</summary>
internal static class ReservedPorts
{
    public const int Low = 665;
    public const int High = 1023;

    public enum Bind { Bound, Taken, NotAllowed }

    /// <summary>Every reserved port once, from a random one downwards (wrapping), as the order to try them in.</summary>
    public static IEnumerable<int> Candidates()
    {
        var start = Random.Shared.Next(Low, High + 1);
        for (var i = 0; i <= High - Low; i++) yield return High - ((High - start + i) % (High - Low + 1));
    }

    /// <summary>Binds <paramref name="socket"/> to <paramref name="port"/>: Taken when something holds it, NotAllowed when
    /// this process may not bind reserved ports (not root, no CAP_NET_BIND_SERVICE) or the platform cannot.</summary>
    public static Bind TryBind(Socket socket, int port)
    {
        var any = socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
        try
        {
            socket.Bind(new IPEndPoint(any, port));
            return Bind.Bound;
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable)
        {
            return Bind.Taken;
        }
        catch (SocketException)
        {
            return Bind.NotAllowed;
        }
    }
}
