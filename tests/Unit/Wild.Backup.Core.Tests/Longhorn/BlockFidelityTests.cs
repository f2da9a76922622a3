using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Core.Tests.Longhorn.Support.BlockStoreFixture;

namespace Wild.Backup.Core.Tests.Longhorn;

/// <summary>Every .blk the writer produces, checked with Debian's own tools.</summary>
public sealed class BlockFidelityTests
{
    [Theory]
    [InlineData("lz4")]
    [InlineData("gzip")]
    [InlineData("none")]
    public async Task Every_blk_decompresses_with_debians_tool_and_hashes_to_its_name_and_recorded_checksum(string method)
    {
        await using var f = new BlockStoreFixture();
        var volume = "pvc-" + method;
        var (first, _) = await f.BackupAsync(volume, "backup-1", "snap-1", 8L * BlockSize,
            new Dictionary<int, byte[]> { [0] = Block(1), [2] = Block(2), [7] = new byte[BlockSize] }, method);
        var (second, _) = await f.BackupAsync(volume, "backup-2", "snap-2", 8L * BlockSize, new Dictionary<int, byte[]> { [2] = Block(3) }, method);
        var recorded = first.Blocks.Concat(second.Blocks).Select(b => b.BlockChecksum).ToHashSet();

        var files = f.BlockFiles(volume);
        Assert.Equal(4, files.Count);
        foreach (var file in files)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            Assert.Contains(name, recorded);
            var plain = file + ".plain";
            await File.WriteAllBytesAsync(plain, await ExternalTool.DecompressAsync(method, file));
            Assert.Equal(BlockSize, new FileInfo(plain).Length);
            Assert.Equal(name, await ExternalTool.Sha512PrefixAsync(plain));
            File.Delete(plain);
        }
    }
}
