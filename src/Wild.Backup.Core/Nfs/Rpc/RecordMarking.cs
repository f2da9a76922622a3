using System.Buffers;
using System.Buffers.Binary;

namespace Wild.Backup.Core.Nfs.Rpc;

/// <summary>
/// ONC RPC record marking over TCP (RFC 5531 §11): a record is one or more fragments, each preceded by a
/// 4-byte big-endian header whose top bit marks the last fragment and whose low 31 bits are the fragment length.
/// </summary>
internal static class RecordMarking
{
    public const uint LastFragmentBit = 0x8000_0000;
    public const int MaxFragmentLength = 0x7FFF_FFFF;

    public static uint Mark(int fragmentLength, bool last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fragmentLength);
        return (uint)fragmentLength | (last ? LastFragmentBit : 0);
    }

    public static void WriteMark(Span<byte> destination, int fragmentLength, bool last) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, Mark(fragmentLength, last));

    public static (int Length, bool Last) ParseMark(ReadOnlySpan<byte> header)
    {
        var v = BinaryPrimitives.ReadUInt32BigEndian(header);
        return ((int)(v & ~LastFragmentBit), (v & LastFragmentBit) != 0);
    }

    /// <summary>
    /// Reads one whole record (all its fragments) into a buffer rented from the shared pool; the caller returns it.
    /// Throws <see cref="EndOfStreamException"/> when the stream ends, <see cref="RpcProtocolException"/> when the record
    /// exceeds <paramref name="maxRecordLength"/>.
    /// </summary>
    public static async ValueTask<PooledBuffer> ReadRecordAsync(Stream stream, int maxRecordLength, CancellationToken ct)
    {
        var header = new byte[4];
        var buffer = PooledBuffer.Empty;
        try
        {
            while (true)
            {
                await stream.ReadExactlyAsync(header, ct).ConfigureAwait(false);
                var (fragment, last) = ParseMark(header);
                if ((long)buffer.Length + fragment > maxRecordLength)
                    throw new RpcProtocolException($"RPC record larger than {maxRecordLength} bytes");
                buffer = buffer.Grow(buffer.Length + fragment);
                await stream.ReadExactlyAsync(buffer.Array.AsMemory(buffer.Length - fragment, fragment), ct).ConfigureAwait(false);
                if (last) return buffer;
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}

/// <summary>A byte array rented from <see cref="Pool"/> and the number of bytes used in it.</summary>
internal readonly struct PooledBuffer : IDisposable
{
    /// <summary>
    /// RPC records (READ replies are up to a megabyte each, several in flight per stream) come from a pool of their own:
    /// the shared pool keeps few arrays of that size per core and drops them under memory pressure, and every miss is a
    /// large-object allocation — gen-2 collections that cut read throughput several-fold.
    /// </summary>
    internal static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 4 << 20, maxArraysPerBucket: 64);

    public static readonly PooledBuffer Empty = new([], 0);

    public PooledBuffer(byte[] array, int length)
    {
        Array = array;
        Length = length;
    }

    public byte[] Array { get; }
    public int Length { get; }
    public ReadOnlyMemory<byte> Memory => Array.AsMemory(0, Length);

    /// <summary>A buffer of <paramref name="newLength"/> bytes holding this one's bytes at its start (this one is returned to the pool when replaced).</summary>
    public PooledBuffer Grow(int newLength)
    {
        if (newLength <= Array.Length) return new PooledBuffer(Array, newLength);
        var bigger = Pool.Rent(Math.Max(newLength, 4096));
        Array.AsSpan(0, Length).CopyTo(bigger);
        Dispose();
        return new PooledBuffer(bigger, newLength);
    }

    public void Dispose()
    {
        if (Array.Length > 0) Pool.Return(Array);
    }
}
