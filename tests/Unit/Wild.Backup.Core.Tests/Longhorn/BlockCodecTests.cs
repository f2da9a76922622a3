using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BlockCodecTests : IDisposable
{
    private const int BlockSize = 2 * 1024 * 1024;
    private readonly TempDir _dir = new();

    public static TheoryData<string> Methods => new() { "lz4", "gzip", "none" };

    private static byte[] SampleBlock(int seed)
    {
        var block = new byte[BlockSize];
        var rng = new Random(seed);
        rng.NextBytes(block.AsSpan(0, BlockSize / 4));        // incompressible part
        for (var i = BlockSize / 4; i < BlockSize; i++) block[i] = (byte)(i % 251); // compressible part
        return block;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task Debians_tool_decompresses_what_we_encode_to_the_checksummed_block(string method)
    {
        var block = SampleBlock(7);
        var path = _dir.Combine("x.blk");
        await File.WriteAllBytesAsync(path, BlockCodec.Encode(method, block));
        var decoded = await ExternalTool.DecompressAsync(method, path);
        Assert.Equal(block, decoded);
        var plain = _dir.Combine("x.raw");
        await File.WriteAllBytesAsync(plain, decoded);
        Assert.Equal(BlockChecksum.Of(block), await ExternalTool.Sha512PrefixAsync(plain));
    }

    [Theory]
    [InlineData("lz4")]
    [InlineData("gzip")]
    public async Task We_decode_what_Debians_tool_encodes(string method)
    {
        var block = SampleBlock(9);
        var raw = _dir.Combine("in.raw");
        await File.WriteAllBytesAsync(raw, block);
        var stored = method == "lz4" ? await ExternalTool.RunAsync("lz4", "-c", raw) : await ExternalTool.RunAsync("gzip", "-c", raw);
        Assert.Equal(block, BlockCodec.Decode(method, stored, BlockSize));
    }

    [Fact]
    public void A_block_under_the_other_compressors_magic_is_still_decoded_as_longhorn_does()
    {
        var block = SampleBlock(3);
        Assert.Equal(block, BlockCodec.Decode("lz4", BlockCodec.Encode("gzip", block), BlockSize));
        Assert.Equal(block, BlockCodec.Decode("gzip", BlockCodec.Encode("lz4", block), BlockSize));
        Assert.Equal(block, BlockCodec.Decode("", BlockCodec.Encode("gzip", block), BlockSize)); // missing method means gzip
    }

    [Fact]
    public void Garbage_and_oversized_content_are_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => BlockCodec.Decode("gzip", [0x1f, 0x8b, 1, 2, 3], BlockSize));
        Assert.Throws<InvalidDataException>(() => BlockCodec.Decode("lz4", [0x04, 0x22, 0x4d, 0x18, 9, 9, 9], BlockSize));
        Assert.Throws<InvalidDataException>(() => BlockCodec.Decode("lz4", BlockCodec.Encode("lz4", new byte[BlockSize + 1]), BlockSize));
        Assert.Throws<InvalidDataException>(() => BlockCodec.Decode("none", new byte[BlockSize + 1], BlockSize));
    }

    public void Dispose() => _dir.Dispose();
}
