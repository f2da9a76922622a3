using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Xunit;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BlockStorePathsTests
{
    [Fact]
    public void Volume_paths_hash_the_name_with_sha512_as_longhorn_does()
    {
        // longhorn.md: sha512("vol") starts 47e3 and users' paths read backupstore/volumes/47/e3/vol/…
        Assert.Equal("backupstore/volumes/47/e3/vol", BlockStorePaths.VolumeDirectory("vol"));
        Assert.Equal("backupstore/volumes/47/e3/vol/volume.cfg", BlockStorePaths.VolumeConfig("vol"));
        // Longhorn's docs ("Backupstore Layout") show pvc-0123abcd-test under volumes/a7/9b/.
        Assert.Equal("backupstore/volumes/a7/9b/pvc-0123abcd-test", BlockStorePaths.VolumeDirectory("pvc-0123abcd-test"));
    }

    [Fact]
    public void Checksum_is_the_first_64_hex_characters_of_sha512()
    {
        Assert.Equal("47e3be2824f8e2a9895dab61f95b823dab9d8ac8ee06a93d2ebf81e913f7b9d5", BlockChecksum.Of("vol"));
        Assert.True(BlockChecksum.IsValid(BlockChecksum.Of(new byte[10])));
        Assert.False(BlockChecksum.IsValid("47E3BE2824F8E2A9895DAB61F95B823DAB9D8AC8EE06A93D2EBF81E913F7B9D5"));
        Assert.False(BlockChecksum.IsValid("47e3"));
    }

    [Fact]
    public void Backups_blocks_and_locks_sit_where_longhorn_puts_them()
    {
        const string c = "d9cf3e0942c46cf9c43d8f4e152c761bb88b3e8a5d9bb127d16d55f8a7402b50";
        Assert.Equal("backupstore/volumes/47/e3/vol/backups/backup_backup-1.cfg", BlockStorePaths.BackupConfig("vol", "backup-1"));
        Assert.Equal($"backupstore/volumes/47/e3/vol/blocks/d9/cf/{c}.blk", BlockStorePaths.Block("vol", c));
        Assert.Equal("backupstore/volumes/47/e3/vol/locks/lock-0123456789abcdef.lck", BlockStorePaths.Lock("vol", "lock-0123456789abcdef"));
    }

    [Theory]
    [InlineData("backup_backup-1.cfg", "backup-1")]
    [InlineData("backup_backup-1.cfg.tmp.1700000000000000000", null)]
    [InlineData("backup_-x.cfg", null)]
    [InlineData("volume.cfg", null)]
    public void Backup_names_are_extracted_like_ExtractNames(string file, string? expected) =>
        Assert.Equal(expected, BlockStorePaths.ExtractName(file, "backup_", ".cfg"));

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("-lead")]
    public void Invalid_volume_names_are_refused(string name) =>
        Assert.Throws<InvalidInputException>(() => BlockStorePaths.VolumeDirectory(name));

    [Fact]
    public void Temporary_names_carry_unix_nanoseconds()
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(1234567);
        Assert.Equal("x.cfg.tmp.1700000000123456700", BlockStorePaths.TemporaryFor("x.cfg", t));
    }
}
