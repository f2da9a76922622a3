using Wild.Backup.Core.Nfs.Rpc;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs.Protocol;

public sealed class RecordMarkingTests
{
    [Fact]
    public void Mark_sets_the_last_fragment_bit_over_a_31_bit_length()
    {
        var header = new byte[4];
        RecordMarking.WriteMark(header, 5, last: true);
        Assert.Equal([0x80, 0, 0, 5], header);
        RecordMarking.WriteMark(header, 0x01020304, last: false);
        Assert.Equal([0x01, 0x02, 0x03, 0x04], header);
        Assert.Equal((0x01020304, false), RecordMarking.ParseMark(header));
        Assert.Equal((0x7FFFFFFF, true), RecordMarking.ParseMark([0xFF, 0xFF, 0xFF, 0xFF]));
    }

    [Fact]
    public async Task A_record_in_several_fragments_is_joined()
    {
        byte[] wire = [0, 0, 0, 3, (byte)'a', (byte)'b', (byte)'c', 0, 0, 0, 0, 0x80, 0, 0, 2, (byte)'d', (byte)'e', 0x80, 0, 0, 1, (byte)'z'];
        using var s = new MemoryStream(wire);
        using (var first = await RecordMarking.ReadRecordAsync(s, 1024, CancellationToken.None))
            Assert.Equal("abcde"u8.ToArray(), first.Memory.ToArray());
        using (var second = await RecordMarking.ReadRecordAsync(s, 1024, CancellationToken.None))
            Assert.Equal("z"u8.ToArray(), second.Memory.ToArray());
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await RecordMarking.ReadRecordAsync(s, 1024, CancellationToken.None));
    }

    [Fact]
    public async Task An_empty_last_fragment_ends_an_empty_record()
    {
        using var s = new MemoryStream([0x80, 0, 0, 0]);
        using var record = await RecordMarking.ReadRecordAsync(s, 16, CancellationToken.None);
        Assert.Equal(0, record.Length);
    }

    [Fact]
    public async Task Oversized_and_truncated_records_are_refused()
    {
        using (var s = new MemoryStream([0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x80, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]))
            await Assert.ThrowsAsync<RpcProtocolException>(async () => await RecordMarking.ReadRecordAsync(s, 12, CancellationToken.None));
        using (var s = new MemoryStream([0x80, 0, 0, 10, 1, 2, 3]))
            await Assert.ThrowsAsync<EndOfStreamException>(async () => await RecordMarking.ReadRecordAsync(s, 1024, CancellationToken.None));
    }
}
