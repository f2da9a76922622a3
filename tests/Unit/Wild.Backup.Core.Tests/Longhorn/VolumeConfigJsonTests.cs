using System.Text;
using Wild.Backup.Core.Longhorn.BlockStore;
using Xunit;

namespace Wild.Backup.Core.Tests.Longhorn;

public sealed class VolumeConfigJsonTests
{
    private static VolumeConfig Parse(string json) => VolumeConfigJson.Deserialize(Encoding.UTF8.GetBytes(json), "volume.cfg");
    private static string Write(VolumeConfig c) => Encoding.UTF8.GetString(VolumeConfigJson.Serialize(c));

    private static readonly VolumeConfig Sample = new()
    {
        Name = "pvc-0123abcd-test",
        Size = 18874368,
        Labels = new Dictionary<string, string> { ["k"] = "v" },
        CreatedTime = "2026-10-05T00:40:38Z",
        LastBackupName = "backup-854f6ced7b4942d4",
        LastBackupAt = "2026-10-05T00:40:38Z",
        BlockCount = 4,
        CompressionMethod = "lz4",
        DataEngine = "v1",
    };

    [Fact]
    public void Serialises_exactly_as_gos_encoder_does_for_backupstore_Volume() =>
        Assert.Equal(CfgFixtures.GoVolumeCfg, Write(Sample));

    [Fact]
    public void The_double_encoded_strings_decode_to_their_values()
    {
        var v = Parse(CfgFixtures.GoVolumeCfg);
        Assert.Equal(Sample with { Labels = v.Labels, UnknownFields = v.UnknownFields }, v);
        Assert.Equal("v", v.Labels!["k"]);
        Assert.Equal("lz4", v.CompressionMethod);
        Assert.Equal("", v.BackingImageName);
    }

    [Fact]
    public void The_documented_sample_keeps_members_of_newer_longhorn_and_round_trips_byte_for_byte()
    {
        var v = Parse(CfgFixtures.DocumentedVolumeCfg);
        Assert.Equal(["LinkedCloneSourceVolume", "LinkedCloneSourceSnapshot"], v.UnknownFields.Select(u => u.Key));
        Assert.Equal(CfgFixtures.DocumentedVolumeCfg, Write(v));
    }

    [Fact]
    public void A_quoted_string_field_is_html_escaped_inside_and_quoted_outside()
    {
        // Go: inner appendString(escapeHTML=true) then outer appendString(escapeHTML=false).
        var json = Write(Sample with { StorageClassName = "a<b&\"c" });
        Assert.Contains("""
            "StorageClassName":"\"a\\u003cb\\u0026\\\"c\""
            """.Trim(), json);
        Assert.Equal("a<b&\"c", Parse(json).StorageClassName);
    }

    [Fact]
    public void A_new_volume_cfg_from_the_engine_has_an_empty_double_encoded_data_engine()
    {
        var json = Write(Sample with { DataEngine = "", LastBackupName = "", LastBackupAt = "", BlockCount = 0, Labels = null });
        Assert.EndsWith("""
            "Labels":null,"CreatedTime":"2026-10-05T00:40:38Z","LastBackupName":"","LastBackupAt":"","BlockCount":"0","BackingImageName":"\"\"","BackingImageChecksum":"\"\"","CompressionMethod":"\"lz4\"","StorageClassName":"\"\"","DataEngine":"\"\""}
            """.Trim(), json);
    }

    [Fact]
    public void Old_cfgs_without_the_tagged_fields_get_longhorns_load_defaults()
    {
        var v = Parse(CfgFixtures.BackupstoreTestVolumeCfg);
        Assert.Equal(2147483648, v.Size);
        Assert.Equal("", v.CompressionMethod);
        Assert.Equal("gzip", v.EffectiveCompressionMethod);
        Assert.Equal("v1", v.EffectiveDataEngine);
        Assert.Equal("gzip", v.WithLoadDefaults().CompressionMethod);
    }

    [Fact]
    public void Plain_values_in_string_tagged_fields_are_read_leniently()
    {
        var v = Parse("""{"Name":"v-1","Size":123,"BlockCount":"7","CompressionMethod":"gzip"}""");
        Assert.Equal(123, v.Size);
        Assert.Equal(7, v.BlockCount);
        Assert.Equal("gzip", v.CompressionMethod);
    }
}
