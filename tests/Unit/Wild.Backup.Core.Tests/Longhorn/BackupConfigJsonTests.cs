using System.Text;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Xunit;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class BackupConfigJsonTests
{
    private static BackupConfig Parse(string json) => BackupConfigJson.Deserialize(Encoding.UTF8.GetBytes(json), "test.cfg");
    private static string Write(BackupConfig c) => Encoding.UTF8.GetString(BackupConfigJson.Serialize(c));

    [Fact]
    public void The_documented_sample_parses_with_every_field()
    {
        var b = Parse(CfgFixtures.DocumentedBackupCfg);
        Assert.Equal("backup-854f6ced7b4942d4", b.Name);
        Assert.Equal("pvc-0123abcd-test", b.VolumeName);
        Assert.Equal("snap-1", b.SnapshotName);
        Assert.Equal("2026-10-05T00:40:38Z", b.SnapshotCreatedAt);
        Assert.Equal("2026-10-05T00:40:43Z", b.CreatedTime);
        Assert.Equal(6291456, b.Size);
        Assert.Equal("v", b.Labels!["k"]);
        Assert.Null(b.Parameters);
        Assert.True(b.IsIncremental);
        Assert.Equal("lz4", b.CompressionMethod);
        Assert.Equal(2097171, b.NewlyUploadedDataSize);
        Assert.Equal(0, b.ReUploadedDataSize);
        Assert.False(b.ProcessingBlocksIsObject);
        Assert.Equal([0L, 2097152L, 4194304L], b.Blocks.Select(x => x.Offset));
        Assert.Equal("bb9d1ff59852efbef9cb0f8c7c97052b455a2520a3b91ae2b8f17765d234fc58", b.Blocks[1].BlockChecksum);
        Assert.Equal("", b.SingleFilePath);
        Assert.False(b.IsInProgress);
        Assert.Equal(2 * 1024 * 1024, b.BlockSize);
        Assert.Empty(b.UnknownFields);
    }

    [Fact]
    public void The_documented_sample_round_trips_byte_for_byte() =>
        Assert.Equal(CfgFixtures.DocumentedBackupCfg, Write(Parse(CfgFixtures.DocumentedBackupCfg)));

    [Fact]
    public void A_full_backup_writes_ProcessingBlocks_as_an_empty_object_and_round_trips()
    {
        var c = new BackupConfig
        {
            Name = "b-1", VolumeName = "v-1", SnapshotName = "s", SnapshotCreatedAt = "2026-01-01T00:00:00Z", CreatedTime = "2026-01-01T00:00:01Z",
            Size = 2097152, Parameters = new Dictionary<string, string> { ["backup-mode"] = "full", ["backup-block-size"] = "2097152" },
            CompressionMethod = "gzip", ProcessingBlocksIsObject = true, Blocks = [new BlockMapping(0, new string('a', 64))],
        };
        var json = Write(c);
        Assert.Equal(
            """{"Name":"b-1","VolumeName":"v-1","SnapshotName":"s","SnapshotCreatedAt":"2026-01-01T00:00:00Z","CreatedTime":"2026-01-01T00:00:01Z","Size":"2097152","Labels":null,"Parameters":{"backup-block-size":"2097152","backup-mode":"full"},"IsIncremental":false,"CompressionMethod":"gzip","NewlyUploadedDataSize":"0","ReUploadedDataSize":"0","ProcessingBlocks":{},"Blocks":[{"Offset":0,"BlockChecksum":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}],"SingleFile":{"FilePath":""}}""",
            json);
        Assert.Equal(json, Write(Parse(json)));
    }

    [Fact]
    public void The_in_progress_cfg_has_no_blocks_member_and_reads_as_in_progress()
    {
        var json = Write(new BackupConfig { Name = "b-1", VolumeName = "v-1", CompressionMethod = "lz4" });
        Assert.Equal(
            """{"Name":"b-1","VolumeName":"v-1","SnapshotName":"","SnapshotCreatedAt":"","CreatedTime":"","Size":"0","Labels":null,"Parameters":null,"IsIncremental":false,"CompressionMethod":"lz4","NewlyUploadedDataSize":"0","ReUploadedDataSize":"0","ProcessingBlocks":null,"SingleFile":{"FilePath":""}}""",
            json);
        Assert.True(Parse(json).IsInProgress);
    }

    [Fact]
    public void Strings_are_escaped_as_go_does_and_map_keys_sorted()
    {
        var json = Write(new BackupConfig
        {
            Name = "b-1",
            Labels = new Dictionary<string, string> { ["z"] = "1", ["a<b>&"] = "é\u2028\"\\\n\u0001\b" },
        });
        Assert.Contains("""
            "Labels":{"a\u003cb\u003e\u0026":"é\u2028\"\\\n\u0001\b","z":"1"}
            """.Trim(), json);
        Assert.Equal("é\u2028\"\\\n\u0001\b", Parse(json).Labels!["a<b>&"]);
    }

    [Fact]
    public void Reading_follows_go_rules_for_duplicates_case_and_missing_fields()
    {
        // longhorn/backupstore's own test cfg gives "Size" twice and omits most fields.
        var b = Parse(CfgFixtures.BackupstoreTestBackupCfg);
        Assert.Equal(115343360, b.Size);
        Assert.Equal("gzip", b.EffectiveCompressionMethod); // missing method means gzip
        Assert.Empty(b.Blocks);
        Assert.Null(b.Labels);
        var lower = Parse("""{"name":"x-1","size":"4","Size":"5"}""");
        Assert.Equal("x-1", lower.Name);
        Assert.Equal(5, lower.Size);
    }

    [Theory]
    [InlineData("{\"Name\":\"b-1\",\"Size\":\"12a\"}")]
    [InlineData("{\"Name\":\"b-1\",\"Blocks\":{}}")]
    [InlineData("{\"Name\":\"b-1\",\"IsIncremental\":\"yes\"}")]
    [InlineData("[1,2]")]
    [InlineData("{\"Name\":")]
    public void Malformed_cfgs_are_corrupt_and_name_the_file(string json)
    {
        var ex = Assert.Throws<CorruptBackupException>(() => Parse(json));
        Assert.Contains("test.cfg", ex.Message);
    }

    [Fact]
    public void Block_size_comes_from_the_parameters()
    {
        Assert.Equal(16 * 1024 * 1024, new BackupConfig { Name = "b", Parameters = new Dictionary<string, string> { ["backup-block-size"] = "16Mi" } }.BlockSize);
        Assert.Equal(16777216, new BackupConfig { Name = "b", Parameters = new Dictionary<string, string> { ["backup-block-size"] = "16777216" } }.BlockSize);
        Assert.Equal(2097152, new BackupConfig { Name = "b", Parameters = new Dictionary<string, string> { ["backup-block-size"] = "0" } }.BlockSize);
        Assert.Throws<CorruptBackupException>(() => new BackupConfig { Name = "b", Parameters = new Dictionary<string, string> { ["backup-block-size"] = "big" } }.BlockSize);
    }
}
