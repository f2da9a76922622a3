using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Wild.Backup.Core.Nfs.Xdr;

/// <summary>
/// Encodes XDR (RFC 4506): big-endian 4-byte units, 8-byte hypers, variable-length data prefixed by its
/// length and padded with zeros to a multiple of 4. Writes into a pooled, growing buffer; dispose returns it.
/// </summary>
internal sealed class XdrWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public XdrWriter(int initialCapacity = 512) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length => _length;

    /// <summary>The bytes written so far (valid until the next write or dispose).</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Grow(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Grow(8), value);

    public void WriteBool(bool value) => WriteUInt32(value ? 1u : 0u);

    /// <summary>Fixed-length opaque data: the bytes, then padding; no length prefix.</summary>
    public void WriteFixedOpaque(ReadOnlySpan<byte> data)
    {
        var dest = Grow(Padded(data.Length));
        data.CopyTo(dest);
        dest[data.Length..].Clear();
    }

    /// <summary>Variable-length opaque data: its length, the bytes, then padding.</summary>
    public void WriteOpaque(ReadOnlySpan<byte> data)
    {
        WriteUInt32((uint)data.Length);
        WriteFixedOpaque(data);
    }

    /// <summary>A string as UTF-8 variable-length opaque data.</summary>
    public void WriteString(string value)
    {
        var n = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)n);
        var dest = Grow(Padded(n));
        Encoding.UTF8.GetBytes(value, dest);
        dest[n..].Clear();
    }

    /// <summary>Overwrites a 4-byte unit already written (e.g. a length or record mark reserved earlier).</summary>
    public void PatchUInt32(int offset, uint value)
    {
        if (offset < 0 || offset + 4 > _length) throw new ArgumentOutOfRangeException(nameof(offset));
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(offset, 4), value);
    }

    /// <summary>Bytes of padding after <paramref name="length"/> bytes of opaque data.</summary>
    public static int PaddingFor(int length) => (4 - (length & 3)) & 3;

    public static int Padded(int length) => length + PaddingFor(length);

    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        _length = 0;
        if (b.Length > 0) ArrayPool<byte>.Shared.Return(b);
    }

    private Span<byte> Grow(int count)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        if (_length + count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + count));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
