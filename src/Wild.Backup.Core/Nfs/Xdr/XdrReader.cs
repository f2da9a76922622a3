using System.Buffers.Binary;
using System.Text;

namespace Wild.Backup.Core.Nfs.Xdr;

/// <summary>Decodes XDR from a buffer. Every read checks bounds and throws <see cref="XdrFormatException"/> on short or malformed data.</summary>
internal sealed class XdrReader(ReadOnlyMemory<byte> data)
{
    private readonly ReadOnlyMemory<byte> _data = data;

    public int Position { get; private set; }

    public int Remaining => _data.Length - Position;

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4).Span);

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4).Span);

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8).Span);

    public bool ReadBool() => ReadUInt32() switch
    {
        0 => false,
        1 => true,
        var v => throw new XdrFormatException($"invalid XDR boolean {v} at offset {Position - 4}"),
    };

    /// <summary>Fixed-length opaque data (padding skipped). The memory is a view of the buffer, not a copy.</summary>
    public ReadOnlyMemory<byte> ReadFixedOpaque(int length)
    {
        var m = Take(XdrWriter.Padded(length));
        return m[..length];
    }

    /// <summary>Variable-length opaque data no longer than <paramref name="maxLength"/>. A view of the buffer, not a copy.</summary>
    public ReadOnlyMemory<byte> ReadOpaque(int maxLength = int.MaxValue)
    {
        var n = ReadUInt32();
        if (n > (uint)maxLength) throw new XdrFormatException($"XDR opaque of {n} bytes exceeds its limit of {maxLength}");
        if (n > (uint)Remaining) throw new XdrFormatException($"XDR opaque of {n} bytes but only {Remaining} remain");
        return ReadFixedOpaque((int)n);
    }

    public string ReadString(int maxLength = int.MaxValue) => Encoding.UTF8.GetString(ReadOpaque(maxLength).Span);

    public void Skip(int bytes) => Take(bytes);

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
            throw new XdrFormatException($"XDR data ends early: need {count} bytes at offset {Position}, {Remaining} remain");
        var m = _data.Slice(Position, count);
        Position += count;
        return m;
    }
}

/// <summary>Data that is not valid XDR for what was expected (truncated, bad boolean, oversized opaque).</summary>
internal sealed class XdrFormatException(string message) : IOException(message);
