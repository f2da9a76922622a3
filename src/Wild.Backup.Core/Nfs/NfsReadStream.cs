using Wild.Backup.Core.Nfs.V3;

namespace Wild.Backup.Core.Nfs;

/// <summary>
/// Reads a file sequentially with several READs in flight ahead of the reader. Memory is bounded by the read-ahead
/// (requests in flight × transfer size) whatever the file's size. Cancelling a read stops the read-ahead and ends the
/// stream's usefulness; errors surface as the store's typed errors.
/// </summary>
internal sealed class NfsReadStream : Stream
{
    private readonly Nfs3Client _nfs;
    private readonly NfsFileHandle _file;
    private readonly string _path;
    private readonly NfsErrors _errors;
    private readonly int _chunkSize;
    private readonly int _maxInFlight;
    private readonly long _lengthAtOpen;
    private readonly Queue<Pending> _ahead = new();
    private readonly CancellationTokenSource _abort = new();
    private ReadChunk? _current;
    private int _currentPosition;
    private long _nextOffset;
    private long _position;
    private bool _eof;
    private Exception? _fault;
    private bool _disposed;

    private sealed record Pending(Task<ReadChunk> Task, long Offset, int Count);

    public NfsReadStream(Nfs3Client nfs, NfsFileHandle file, string path, NfsErrors errors, int chunkSize, int maxInFlight, long lengthAtOpen)
    {
        _nfs = nfs;
        _file = file;
        _path = path;
        _errors = errors;
        _chunkSize = chunkSize;
        _maxInFlight = maxInFlight;
        _lengthAtOpen = lengthAtOpen;
    }

    public override bool CanRead => !_disposed;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is not null) throw _fault;
        ct.ThrowIfCancellationRequested();
        if (destination.IsEmpty) return 0;
        using var _ = ct.Register(static s => ((CancellationTokenSource)s!).Cancel(), _abort);
        try
        {
            while (true)
            {
                if (_current is { } c)
                {
                    if (_currentPosition < c.Data.Length)
                    {
                        var n = Math.Min(destination.Length, c.Data.Length - _currentPosition);
                        c.Data.Slice(_currentPosition, n).CopyTo(destination);
                        _currentPosition += n;
                        _position += n;
                        return n;
                    }
                    c.Dispose();
                    _current = null;
                }
                if (_eof) return 0;
                FillReadAhead();
                var p = _ahead.Dequeue();
                var chunk = await p.Task.ConfigureAwait(false);
                _current = chunk;
                _currentPosition = 0;
                if (chunk.Eof || chunk.Data.IsEmpty)
                {
                    _eof = true;
                    await DropReadAheadAsync().ConfigureAwait(false);
                }
                else if (chunk.Data.Length < p.Count)
                {
                    // A short read that is not the end: what was asked for after it starts at the wrong place. Ask again.
                    await DropReadAheadAsync().ConfigureAwait(false);
                    _nextOffset = p.Offset + chunk.Data.Length;
                }
            }
        }
        catch (Exception ex)
        {
            _fault = ex is OperationCanceledException && ct.IsCancellationRequested
                ? new OperationCanceledException("reading from backup storage was cancelled", ex, ct)
                : _errors.Wrap(ex, _path);
            _abort.Cancel();
            throw _fault;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Keeps up to the limit of READs in flight, not far past the length the file had when opened (one more
    /// request is always allowed, so a file that grew, or the end-of-file reply, is still seen).</summary>
    private void FillReadAhead()
    {
        while (_ahead.Count < _maxInFlight && (_ahead.Count == 0 || _nextOffset < _lengthAtOpen))
        {
            var offset = _nextOffset;
            _ahead.Enqueue(new Pending(_nfs.ReadAsync(_file, (ulong)offset, (uint)_chunkSize, _abort.Token), offset, _chunkSize));
            _nextOffset += _chunkSize;
        }
    }

    private async Task DropReadAheadAsync()
    {
        while (_ahead.Count > 0)
        {
            var p = _ahead.Dequeue();
            try
            {
                (await p.Task.ConfigureAwait(false)).Dispose();
            }
            catch (Exception)
            {
                // read-ahead past the end or after a failure; nobody wants it
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _abort.Cancel();
        await DropReadAheadAsync().ConfigureAwait(false);
        _current?.Dispose();
        _current = null;
        _abort.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }
}
