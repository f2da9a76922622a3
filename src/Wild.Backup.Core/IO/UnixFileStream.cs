namespace Wild.Backup.Core.IO;

/// <summary>
/// A file opened through <see cref="Posix"/>, read or written front to back with plain read(2)/write(2): no buffer,
/// no locking, no extra calls. Async methods complete synchronously (page-cache I/O; the engine runs storage calls on
/// its own pool threads under a watchdog). Disposing a written file reports close(2) errors.
/// </summary>
internal sealed class UnixFileStream : Stream, Storage.ISparseWriteStream
{
    private readonly FileDescriptor _fd;
    private readonly string _shown;
    private readonly bool _write;
    private readonly long _length;
    private long _position;

    /// <param name="length">For reading: the size at open, or -1 when unknown (the stream is then not seekable).</param>
    private UnixFileStream(FileDescriptor fd, string shown, bool write, long length)
    {
        _fd = fd;
        _shown = shown;
        _write = write;
        _length = length;
    }

    public static UnixFileStream ForReading(FileDescriptor fd, string shown, long length = -1) => new(fd, shown, write: false, length);

    public static UnixFileStream ForWriting(FileDescriptor fd, string shown) => new(fd, shown, write: true, -1);

    public override bool CanRead => !_write;
    public override bool CanWrite => _write;
    /// <summary>Seekable only as far as a known length goes (archivers size entries from it); Seek itself is not offered.</summary>
    public override bool CanSeek => !_write && _length >= 0;
    public override long Length => CanSeek ? _length : throw new NotSupportedException();
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_write) throw new NotSupportedException();
        // A file of known length is read up to that length: a file growing while it is archived must not overrun
        // the size its entry header already gave.
        if (_length >= 0) buffer = buffer[..(int)Math.Min(buffer.Length, _length - _position)];
        if (buffer.IsEmpty) return 0;
        var n = Posix.Read(_fd, buffer, _shown);
        if (n == 0 && _length >= 0) throw new IOException($"'{_shown}' shrank while it was read ({_position} of {_length} bytes).");
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return new(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!_write) throw new NotSupportedException();
        Posix.Write(_fd, buffer, _shown);
        _position += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>Leaves a hole of <paramref name="bytes"/> (lseek forward).</summary>
    public ValueTask SkipAsync(long bytes, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (!_write) throw new NotSupportedException();
        Posix.SkipForward(_fd, bytes, _shown);
        _position += bytes;
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_write) Posix.Close(_fd, _shown);
            else _fd.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
