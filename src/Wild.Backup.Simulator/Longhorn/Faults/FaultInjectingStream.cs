namespace Wild.Backup.Simulator.Longhorn.Faults;

/// <summary>A file stream of a <see cref="FaultInjectingStore"/>: checks availability and paces every read and write.</summary>
internal sealed class FaultInjectingStream(Stream inner, FaultInjectingStore owner, Throttle throttle) : Stream
{
    private const int Chunk = 64 * 1024;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override void Flush()
    {
        owner.Check();
        inner.Flush();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        owner.Check();
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        owner.Check();
        var n = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, Chunk)], cancellationToken).ConfigureAwait(false);
        await throttle.PaceAsync(n, cancellationToken).ConfigureAwait(false);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        for (var pos = 0; pos < buffer.Length; pos += Chunk)
        {
            owner.Check();
            var piece = buffer.Slice(pos, Math.Min(Chunk, buffer.Length - pos));
            await throttle.PaceAsync(piece.Length, cancellationToken).ConfigureAwait(false);
            await inner.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void SetLength(long value) => inner.SetLength(value);

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
