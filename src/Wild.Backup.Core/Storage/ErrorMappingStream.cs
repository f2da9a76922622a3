namespace Wild.Backup.Core.Storage;

/// <summary>Wraps a stream so I/O failures surface as the store's typed errors (disk full → NoSpaceException, …).</summary>
internal sealed class ErrorMappingStream(Stream inner, Func<Exception, Exception> map) : Stream
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
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        try { return await inner.ReadAsync(buffer, ct).ConfigureAwait(false); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
    }
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Do(() => { inner.Write(buffer, offset, count); return 0; });
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try { inner.Write(buffer); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
    }
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        try { await inner.WriteAsync(buffer, ct).ConfigureAwait(false); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
    }
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Flush() => Do(() => { inner.Flush(); return 0; });
    public override async Task FlushAsync(CancellationToken ct)
    {
        try { await inner.FlushAsync(ct).ConfigureAwait(false); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
    }
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => Do(() => { inner.SetLength(value); return 0; });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try { inner.Dispose(); }
            catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        try { await inner.DisposeAsync().ConfigureAwait(false); }
        catch (Exception ex) when (Mapped(ex) is { } m) { throw m; }
        await base.DisposeAsync().ConfigureAwait(false);
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
