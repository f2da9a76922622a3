using System.Security.Cryptography;

namespace Wild.Backup.Core.Backups;

/// <summary>A write-only pass-through that computes SHA-256 and counts bytes on the way to the inner stream.</summary>
internal sealed class HashingStream(Stream inner) : Stream, Storage.ISparseWriteStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesWritten { get; private set; }

    public string HashHex() => Convert.ToHexString(_hash.GetHashAndReset()).ToLowerInvariant();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => BytesWritten;
    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        BytesWritten += buffer.Length;
        inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        _hash.AppendData(buffer.Span);
        BytesWritten += buffer.Length;
        await inner.WriteAsync(buffer, ct).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

    /// <summary>A hole: hashed as the zeros it reads as, left a hole in the inner stream where it can.</summary>
    public async ValueTask SkipAsync(long bytes, CancellationToken ct)
    {
        ReadOnlySpan<byte> zeros = ZeroPage;
        for (var left = bytes; left > 0; left -= Math.Min(left, zeros.Length)) _hash.AppendData(zeros[..(int)Math.Min(left, zeros.Length)]);
        BytesWritten += bytes;
        await Storage.SparseWrite.SkipAsync(inner, bytes, ct).ConfigureAwait(false);
    }

    private static readonly byte[] ZeroPage = new byte[1 << 16];
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _hash.Dispose();
        base.Dispose(disposing);
    }
}
