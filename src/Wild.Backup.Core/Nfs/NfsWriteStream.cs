using System.Buffers;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Nfs.V3;

namespace Wild.Backup.Core.Nfs;

/// <summary>
/// Writes a file sequentially with several UNSTABLE WRITEs in flight on the store's connection. Memory is bounded by
/// (requests in flight + 1) × transfer size whatever the file's size. Disposing sends the rest and waits for every reply;
/// the file is then registered for COMMIT by <see cref="NfsStore.FlushAsync"/>. The first failure poisons the stream: later
/// calls throw it, and it is thrown once more by dispose only if no call has surfaced it yet.
/// </summary>
internal sealed class NfsWriteStream : Stream, Storage.ISparseWriteStream
{
    private readonly NfsSession _session;
    private readonly NfsFileHandle _file;
    private readonly string _path;
    private readonly NfsErrors _errors;
    private readonly int _chunkSize;
    private readonly int _maxInFlight;
    private readonly long? _expectedLength;
    private readonly Queue<InFlight> _inFlight = new();
    private readonly CancellationTokenSource _abort = new();
    private byte[]? _chunk;
    private int _fill;
    private long _position;
    private long _nextOffset;
    private ulong? _verifier;
    private bool _needsCommit;
    private Exception? _fault;
    private bool _faultSurfaced;
    private bool _disposed;

    private sealed record InFlight(Task<WriteResult> Task, byte[] Buffer, long Offset, int Length);

    public NfsWriteStream(NfsSession session, NfsFileHandle file, string path, NfsErrors errors, int chunkSize, int maxInFlight, long? expectedLength)
    {
        _session = session;
        _file = file;
        _path = path;
        _errors = errors;
        _chunkSize = chunkSize;
        _maxInFlight = maxInFlight;
        _expectedLength = expectedLength;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => !_disposed;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        ThrowIfUnusable();
        ct.ThrowIfCancellationRequested();
        using var _ = ct.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort);
        try
        {
            while (!buffer.IsEmpty)
            {
                _chunk ??= Rpc.PooledBuffer.Pool.Rent(_chunkSize);
                var n = Math.Min(buffer.Length, _chunkSize - _fill);
                buffer[..n].CopyTo(_chunk.AsMemory(_fill));
                _fill += n;
                _position += n;
                buffer = buffer[n..];
                if (_fill == _chunkSize) await SendChunkAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            throw Fault(ex, ct);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Leaves a hole: what was buffered is sent, and the next WRITE goes <paramref name="bytes"/> further on (the
    /// server keeps the gap sparse where its file system can).</summary>
    public async ValueTask SkipAsync(long bytes, CancellationToken ct)
    {
        ThrowIfUnusable();
        ct.ThrowIfCancellationRequested();
        using var _ = ct.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort);
        try
        {
            if (_fill > 0) await SendChunkAsync().ConfigureAwait(false);
            _nextOffset += bytes;
            _position += bytes;
        }
        catch (Exception ex)
        {
            throw Fault(ex, ct);
        }
    }

    /// <summary>Sends everything written so far and waits for the replies (not a COMMIT: durability is the store's FlushAsync).</summary>
    public override async Task FlushAsync(CancellationToken ct)
    {
        ThrowIfUnusable();
        using var _ = ct.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort);
        try
        {
            if (_fill > 0) await SendChunkAsync().ConfigureAwait(false);
            while (_inFlight.Count > 0) await CompleteOldestAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Fault(ex, ct);
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    private async Task SendChunkAsync()
    {
        var buffer = _chunk!;
        var length = _fill;
        var offset = _nextOffset;
        _chunk = null;
        _fill = 0;
        _nextOffset += length;
        Task<WriteResult> task;
        try
        {
            task = _session.Nfs.WriteAsync(_file, (ulong)offset, buffer.AsMemory(0, length), StableHow.Unstable, _abort.Token);
        }
        catch
        {
            Rpc.PooledBuffer.Pool.Return(buffer);
            throw;
        }
        _inFlight.Enqueue(new InFlight(task, buffer, offset, length));
        while (_inFlight.Count >= _maxInFlight) await CompleteOldestAsync().ConfigureAwait(false);
    }

    private async Task CompleteOldestAsync()
    {
        var f = _inFlight.Dequeue();
        try
        {
            var result = await f.Task.ConfigureAwait(false);
            Record(result);
            var done = (int)result.Count;
            while (done < f.Length)
            {
                // A short write: send the rest of this chunk before going on.
                if (result.Count == 0) throw new IOException($"the NFS server accepted no bytes of a WRITE at offset {f.Offset + done}");
                result = await _session.Nfs.WriteAsync(_file, (ulong)(f.Offset + done), f.Buffer.AsMemory(done, f.Length - done), StableHow.Unstable, _abort.Token).ConfigureAwait(false);
                Record(result);
                done += (int)result.Count;
            }
        }
        finally
        {
            Rpc.PooledBuffer.Pool.Return(f.Buffer);
        }
    }

    private void Record(WriteResult result)
    {
        if (_verifier is { } v && v != result.Verifier && _needsCommit)
        {
            throw new StorageUnreachableException(
                $"{_session.Url.Display}: the NFS server restarted while '{_path}' was being written (write verifier changed); unsaved data may be lost");
        }
        _verifier = result.Verifier;
        if (result.Committed != StableHow.FileSync) _needsCommit = true;
    }

    private Exception Fault(Exception ex, CancellationToken ct)
    {
        Exception mapped = ex is OperationCanceledException && ct.IsCancellationRequested
            ? new OperationCanceledException("writing to backup storage was cancelled", ex, ct)
            : _errors.Wrap(ex, _path, Math.Max(_expectedLength ?? 0, _position));
        if (_fault is null)
        {
            _fault = mapped;
            _abort.Cancel();
        }
        _faultSurfaced = true;
        return _fault;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is { } f)
        {
            _faultSurfaced = true;
            throw f;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Exception? toThrow = null;
        if (_fault is null)
        {
            try
            {
                if (_fill > 0) await SendChunkAsync().ConfigureAwait(false);
                while (_inFlight.Count > 0) await CompleteOldestAsync().ConfigureAwait(false);
                if (_needsCommit) _session.AddUncommitted(_file, new NfsSession.Uncommitted(_path, _verifier!.Value));
            }
            catch (Exception ex)
            {
                _fault = _errors.Wrap(ex, _path, Math.Max(_expectedLength ?? 0, _position));
                toThrow = _fault;
            }
        }
        else if (!_faultSurfaced)
        {
            toThrow = _fault;
        }
        if (_fault is not null) _abort.Cancel();
        while (_inFlight.Count > 0)
        {
            var f = _inFlight.Dequeue();
            try
            {
                await f.Task.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // already failing; the first error is the one reported
            }
            Rpc.PooledBuffer.Pool.Return(f.Buffer);
        }
        if (_chunk is { } chunk)
        {
            _chunk = null;
            Rpc.PooledBuffer.Pool.Return(chunk);
        }
        _abort.Dispose();
        GC.SuppressFinalize(this);
        if (toThrow is not null) throw toThrow;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }
}
