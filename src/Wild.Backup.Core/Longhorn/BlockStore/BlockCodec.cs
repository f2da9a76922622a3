using System.IO.Compression;
using K4os.Compression.LZ4.Streams;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// Turns a block into the bytes of its <c>.blk</c> file and back (longhorn/backupstore util.CompressData /
/// DecompressAndVerify). A <c>.blk</c> is one stream: an LZ4 frame, a gzip member, or the raw block ("none").
/// </summary>
public static class BlockCodec
{
    // The LZ4 frame Longhorn writes comes from pierrec/lz4 v4's default writer: 4 MiB blocks, independent
    // blocks, content checksum on. Any valid frame decodes the same; these keep ours alike.
    private static readonly LZ4EncoderSettings Lz4Settings = new()
    {
        BlockSize = 4 * 1024 * 1024,
        ChainBlocks = false,
        ContentChecksum = true,
    };

    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];
    private static ReadOnlySpan<byte> Lz4FrameMagic => [0x04, 0x22, 0x4d, 0x18];

    /// <summary>The bytes to store for <paramref name="block"/> with <paramref name="method"/>.</summary>
    public static byte[] Encode(string method, ReadOnlySpan<byte> block)
    {
        switch (CompressionMethods.Require(method))
        {
            case CompressionMethods.None:
                return block.ToArray();
            case CompressionMethods.Gzip:
            {
                using var ms = new MemoryStream(block.Length / 2 + 64);
                using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(block);
                return ms.ToArray();
            }
            default:
            {
                using var ms = new MemoryStream(block.Length / 2 + 64);
                using (var lz = LZ4Stream.Encode(ms, Lz4Settings, leaveOpen: true)) lz.Write(block);
                return ms.ToArray();
            }
        }
    }

    /// <summary>
    /// Decodes a stored block. Like Longhorn (DecompressAndVerifyWithFallback), a block whose bytes carry the
    /// other compressor's magic (gzip vs lz4) is decoded with that one. Throws <see cref="InvalidDataException"/>
    /// when the bytes are not a valid stream of the method; never more than <paramref name="maxLength"/> bytes.
    /// </summary>
    public static byte[] Decode(string method, ReadOnlySpan<byte> stored, int maxLength) => DecodeSegment(method, stored.ToArray(), maxLength);

    /// <summary><see cref="Decode"/> of bytes already in an array (what the reader reads a <c>.blk</c> into): no copy of
    /// the input, and a "none" block that fills its array is returned as it is.</summary>
    public static byte[] DecodeSegment(string method, ArraySegment<byte> stored, int maxLength)
    {
        var effective = CompressionMethods.Effective(method);
        if (effective == CompressionMethods.Gzip && stored.AsSpan().StartsWith(Lz4FrameMagic)) effective = CompressionMethods.Lz4;
        else if (effective == CompressionMethods.Lz4 && stored.AsSpan().StartsWith(GzipMagic)) effective = CompressionMethods.Gzip;

        if (effective == CompressionMethods.None)
        {
            if (stored.Count > maxLength) throw new InvalidDataException($"block is {stored.Count} bytes, more than {maxLength}");
            return stored.Offset == 0 && stored.Count == stored.Array!.Length ? stored.Array : stored.ToArray();
        }
        using var input = new MemoryStream(stored.Array!, stored.Offset, stored.Count, writable: false);
        try
        {
            using Stream decoder = effective == CompressionMethods.Gzip
                ? new GZipStream(input, CompressionMode.Decompress)
                : LZ4Stream.Decode(input);
            return ReadAtMost(decoder, maxLength);
        }
        catch (Exception ex) when (ex is not InvalidDataException and not OperationCanceledException)
        {
            throw new InvalidDataException($"not a valid {effective} stream: {ex.Message}", ex);
        }
    }

    private static byte[] ReadAtMost(Stream s, int maxLength)
    {
        var buffer = new byte[maxLength];
        var total = 0;
        while (total < maxLength)
        {
            var n = s.Read(buffer, total, maxLength - total);
            if (n == 0) break;
            total += n;
        }
        if (total == maxLength && s.ReadByte() >= 0) throw new InvalidDataException($"block decompresses to more than {maxLength} bytes");
        return total == maxLength ? buffer : buffer.AsSpan(0, total).ToArray();
    }
}
