using System.Diagnostics;
using System.Net;
using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Nfs.Rpc;

/// <summary>How long RPC calls may take.</summary>
/// <param name="Call">Bound on one call from start to reply, including any reconnecting on the way.</param>
/// <param name="Connect">Bound on opening one TCP connection.</param>
/// <param name="ReservedPort">Connect from a local port below 1024 when allowed (see <see cref="RpcConnection.ConnectAsync"/>).</param>
internal sealed record RpcTimeouts(TimeSpan Call, TimeSpan Connect, bool ReservedPort = false)
{
    public static readonly RpcTimeouts Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
}

/// <summary>
/// Calls one RPC program/version on one server over TCP, reconnecting when the connection is lost (a server restart).
/// Every call has a deadline (<see cref="RpcTimeouts.Call"/>). A call that dies with its connection is sent again on a
/// new one when that is safe: when it never left, or when it is idempotent. Once a connection has worked, a refused
/// reconnect is retried until the deadline (the server may be restarting); before that, a refused connect fails at once.
/// </summary>
internal sealed class RpcClient : IAsyncDisposable
{
    /// <summary>Finds where to connect (DNS, portmapper); asked again on every reconnect.</summary>
    public delegate ValueTask<IPEndPoint> EndpointResolver(CancellationToken ct);

    private readonly EndpointResolver _resolve;
    private readonly uint _program;
    private readonly uint _version;
    private readonly RpcCredential _credential;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private RpcConnection? _connection;
    private bool _everConnected;
    private bool _disposed;
    private int _xid = Random.Shared.Next();

    public RpcClient(EndpointResolver resolve, uint program, uint version, RpcCredential credential, RpcTimeouts timeouts)
    {
        _resolve = resolve;
        _program = program;
        _version = version;
        _credential = credential;
        Timeouts = timeouts;
    }

    public RpcClient(IPEndPoint endpoint, uint program, uint version, RpcCredential credential, RpcTimeouts timeouts)
        : this(_ => ValueTask.FromResult(endpoint), program, version, credential, timeouts)
    {
    }

    public RpcTimeouts Timeouts { get; }

    /// <summary>
    /// Calls <paramref name="procedure"/>. <paramref name="writeArgs"/> encodes the arguments; <paramref name="payload"/>
    /// (the data of a trailing opaque whose length <paramref name="writeArgs"/> already wrote) is sent after them, then padding.
    /// Returns the reply positioned at the procedure's results; the caller disposes it.
    /// </summary>
    /// <param name="seeThrough">Once the request is sent, wait for its reply (within the call deadline) even if
    /// <paramref name="ct"/> is cancelled: for calls that change the server's state, so the caller knows what happened.</param>
    public async Task<RpcReply> CallAsync(uint procedure, Action<XdrWriter>? writeArgs, ReadOnlyMemory<byte> payload, bool idempotent, CancellationToken ct, bool seeThrough = false)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ct.ThrowIfCancellationRequested();
        var xid = unchecked((uint)Interlocked.Increment(ref _xid));
        using var w = new XdrWriter(256);
        w.WriteUInt32(0); // record mark, patched below
        RpcMessage.WriteCallHeader(w, xid, _program, _version, procedure, _credential);
        writeArgs?.Invoke(w);
        var padding = XdrWriter.PaddingFor(payload.Length);
        w.PatchUInt32(0, RecordMarking.Mark(w.Length - 4 + payload.Length + padding, last: true));

        var deadline = Stopwatch.GetTimestamp() + (long)(Timeouts.Call.TotalSeconds * Stopwatch.Frequency);
        var backoff = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var connection = await GetConnectionAsync(deadline, ct).ConfigureAwait(false);
            PooledBuffer record;
            try
            {
                record = await connection.CallAsync(xid, w.Written, payload, padding, Remaining(deadline), ct, seeThrough).ConfigureAwait(false);
            }
            catch (RpcTransportException ex) when ((!ex.RequestSent || idempotent) && Remaining(deadline) > backoff)
            {
                // The connection died under this call (server restarting, reset); the same xid goes out on a new one so a
                // server that remembers replies can recognise it.
                await Task.Delay(backoff, ct).ConfigureAwait(false);
                backoff = Min(backoff * 2, TimeSpan.FromSeconds(1));
                continue;
            }
            try
            {
                var reader = new XdrReader(record.Memory);
                RpcMessage.ReadReplyHeader(reader, xid);
                return new RpcReply(record, reader);
            }
            catch (XdrFormatException ex)
            {
                record.Dispose();
                throw new RpcProtocolException($"malformed reply from {connection.Peer}: {ex.Message}", ex);
            }
            catch
            {
                record.Dispose();
                throw;
            }
        }
    }

    private async ValueTask<RpcConnection> GetConnectionAsync(long deadline, CancellationToken ct)
    {
        if (Volatile.Read(ref _connection) is { IsOpen: true } open) return open;
        if (!await _connectLock.WaitAsync(Remaining(deadline), ct).ConfigureAwait(false))
            throw new RpcTimeoutException($"no connection within {Timeouts.Call.TotalSeconds:0.#} s");
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { IsOpen: true } again) return again;
            if (_connection is { } dead)
            {
                _connection = null;
                await dead.DisposeAsync().ConfigureAwait(false);
            }
            var delay = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                var remaining = Remaining(deadline);
                if (remaining <= TimeSpan.Zero) throw new RpcTimeoutException($"no connection within {Timeouts.Call.TotalSeconds:0.#} s");
                try
                {
                    using var resolveCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    resolveCts.CancelAfter(remaining);
                    IPEndPoint endpoint;
                    try
                    {
                        endpoint = await _resolve(resolveCts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        throw new RpcTimeoutException($"could not find the server within {Timeouts.Call.TotalSeconds:0.#} s");
                    }
                    var connection = await RpcConnection.ConnectAsync(endpoint, Min(Timeouts.Connect, Remaining(deadline)), ct, Timeouts.ReservedPort).ConfigureAwait(false);
                    _connection = connection;
                    _everConnected = true;
                    return connection;
                }
                catch (RpcTransportException ex) when (ex.ConnectFailed && _everConnected && Remaining(deadline) > delay)
                {
                    // It answered before; it may be restarting. Keep knocking until the deadline.
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = Min(delay * 2, TimeSpan.FromSeconds(1));
                }
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private static TimeSpan Remaining(long deadline)
    {
        var ticks = deadline - Stopwatch.GetTimestamp();
        return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public async ValueTask DisposeAsync()
    {
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_connection is { } c)
            {
                _connection = null;
                await c.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connectLock.Release();
        }
    }
}

/// <summary>A successful reply: the reader stands at the procedure's results. Dispose returns the buffer to the pool.</summary>
internal sealed class RpcReply(PooledBuffer record, XdrReader reader) : IDisposable
{
    private PooledBuffer _record = record;

    public XdrReader Results { get; } = reader;

    public void Dispose()
    {
        _record.Dispose();
        _record = PooledBuffer.Empty;
    }
}
