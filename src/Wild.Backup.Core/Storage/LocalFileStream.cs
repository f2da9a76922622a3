namespace Wild.Backup.Core.Storage;

/// <summary>
/// A local file as a store stream: I/O failures surface as the store's typed errors (disk full → NoSpaceException, …),
/// and the async methods run synchronously. On Linux a FileStream without FileOptions.Asynchronous hands every async
/// call to the thread pool; for page-cache I/O that hop costs more than the I/O. Blocking is safe here: the engine runs
/// storage work on its own pool thread under the <see cref="TimeoutStore"/> watchdog, which abandons a call that hangs.
/// </summary>
internal sealed class LocalFileStream(Stream inner, Func<Exception, Exception> map) : Stream, ISparseWriteStream
{
    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => Do(() => inner.Read(buffer, offset, count));
    public override int Read(Span<byte> buffer)
    {
        try { return inner.Read(buffer); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
    }
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return new(Read(buffer.Span));
    }
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Do(() => { inner.Write(buffer, offset, count); return 0; });
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try { inner.Write(buffer); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
    }
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>A hole: the inner stream's own (lseek), else a forward seek (FileStream), else zeros.</summary>
    public async ValueTask SkipAsync(long bytes, CancellationToken ct)
    {
        try
        {
            if (inner is not ISparseWriteStream && inner.CanSeek) inner.Seek(bytes, SeekOrigin.Current);
            else await SparseWrite.SkipAsync(inner, bytes, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (Mapped(ex) is { } m)
        {
            throw m;
        }
    }

    public override void Flush() => Do(() => { inner.Flush(); return 0; });
    public override Task FlushAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Flush();
        return Task.CompletedTask;
    }
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => Do(() => { inner.SetLength(value); return 0; });

    public override void CopyTo(Stream destination, int bufferSize) => base.CopyTo(destination, bufferSize);
    public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken ct) => base.CopyToAsync(destination, bufferSize, ct);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try { inner.Dispose(); }
            catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private T Do<T>(Func<T> f)
    {
        try { return f(); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
    }

    private Exception? Mapped(Exception ex)
    {
        if (ex is not (IOException or UnauthorizedAccessException)) return null;
        var m = map(ex);
        return ReferenceEquals(m, ex) ? null : m;
    }
}
