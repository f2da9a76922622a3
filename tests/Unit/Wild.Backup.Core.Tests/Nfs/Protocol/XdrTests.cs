using Wild.Backup.Core.Nfs.Xdr;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs.Protocol;

public sealed class XdrTests
{
    private static byte[] Encode(Action<XdrWriter> write)
    {
        using var w = new XdrWriter(4);
        write(w);
        return w.Written.ToArray();
    }

    [Fact]
    public void Integers_are_big_endian_four_and_eight_bytes()
    {
        Assert.Equal([0x01, 0x02, 0x03, 0x04], Encode(w => w.WriteUInt32(0x01020304)));
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFE], Encode(w => w.WriteInt32(-2)));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], Encode(w => w.WriteUInt64(0x0102030405060708)));
        Assert.Equal([0, 0, 0, 1, 0, 0, 0, 0], Encode(w => { w.WriteBool(true); w.WriteBool(false); }));
    }

    [Fact]
    public void Variable_data_is_length_prefixed_and_padded_to_four()
    {
        Assert.Equal([0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c', 0], Encode(w => w.WriteString("abc")));
        Assert.Equal([0, 0, 0, 4, 1, 2, 3, 4], Encode(w => w.WriteOpaque([1, 2, 3, 4])));
        Assert.Equal([0, 0, 0, 0], Encode(w => w.WriteOpaque([])));
        Assert.Equal([9, 0, 0, 0], Encode(w => w.WriteFixedOpaque([9])));
        Assert.Equal([0, 0, 0, 2, 0xC3, 0xA9, 0, 0], Encode(w => w.WriteString("é"))); // UTF-8 bytes are counted
    }

    /// <summary>The worked example of RFC 4506 §7: struct file { "sillyprog", EXEC, "john", "(quit)" }.</summary>
    [Fact]
    public void Rfc4506_file_example_encodes_to_the_published_bytes()
    {
        byte[] expected =
        [
            0, 0, 0, 9, (byte)'s', (byte)'i', (byte)'l', (byte)'l', (byte)'y', (byte)'p', (byte)'r', (byte)'o', (byte)'g', 0, 0, 0,
            0, 0, 0, 2,
            0, 0, 0, 4, (byte)'j', (byte)'o', (byte)'h', (byte)'n',
            0, 0, 0, 6, (byte)'(', (byte)'q', (byte)'u', (byte)'i', (byte)'t', (byte)')', 0, 0,
        ];
        var bytes = Encode(w =>
        {
            w.WriteString("sillyprog");
            w.WriteUInt32(2);
            w.WriteString("john");
            w.WriteOpaque("(quit)"u8);
        });
        Assert.Equal(expected, bytes);

        var r = new XdrReader(bytes);
        Assert.Equal("sillyprog", r.ReadString(255));
        Assert.Equal(2u, r.ReadUInt32());
        Assert.Equal("john", r.ReadString());
        Assert.Equal("(quit)"u8.ToArray(), r.ReadOpaque().ToArray());
        Assert.Equal(0, r.Remaining);
    }

    [Fact]
    public void Buffer_grows_past_its_first_size_and_patches_in_place()
    {
        var big = new byte[10_000];
        new Random(1).NextBytes(big);
        var bytes = Encode(w =>
        {
            w.WriteUInt32(0);
            w.WriteOpaque(big);
            w.PatchUInt32(0, 0xAABBCCDD);
        });
        Assert.Equal(4 + 4 + 10_000, bytes.Length);
        var r = new XdrReader(bytes);
        Assert.Equal(0xAABBCCDDu, r.ReadUInt32());
        Assert.Equal(big, r.ReadOpaque().ToArray());
    }

    [Fact]
    public void Reader_refuses_truncated_and_malformed_data()
    {
        Assert.Throws<XdrFormatException>(() => new XdrReader(new byte[3]).ReadUInt32());
        Assert.Throws<XdrFormatException>(() => new XdrReader(new byte[7]).ReadUInt64());
        Assert.Throws<XdrFormatException>(() => new XdrReader(new byte[] { 0, 0, 0, 2 }).ReadBool());
        Assert.Throws<XdrFormatException>(() => new XdrReader(new byte[] { 0, 0, 0, 8, 1, 2, 3, 4 }).ReadOpaque());
        Assert.Throws<XdrFormatException>(() => new XdrReader(new byte[] { 0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0 }).ReadOpaque(maxLength: 4));
        Assert.Throws<XdrFormatException>(() => new XdrReader(new byte[] { 0, 0, 0, 3, 1, 2, 3 }).ReadOpaque()); // padding missing
    }

    [Fact]
    public void Written_data_is_gone_after_dispose()
    {
        var w = new XdrWriter();
        w.WriteUInt32(1);
        w.Dispose();
        Assert.Throws<ObjectDisposedException>(() => w.WriteUInt32(2));
    }
}
