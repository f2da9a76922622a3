using System.Text.Json;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// volume.cfg as Longhorn writes it (Go struct <c>backupstore.Volume</c>): Size and BlockCount are
/// <c>json:",string"</c> numbers, and BackingImageName, BackingImageChecksum, CompressionMethod, StorageClassName
/// and DataEngine are <c>json:",string"</c> strings — JSON-encoded twice: <c>"CompressionMethod":"\"lz4\""</c>.
/// </summary>
public static class VolumeConfigJson
{
    private static readonly string[] Fields =
    [
        "Name", "Size", "Labels", "CreatedTime", "LastBackupName", "LastBackupAt", "BlockCount",
        "BackingImageName", "BackingImageChecksum", "CompressionMethod", "StorageClassName", "DataEngine",
    ];

    public static byte[] Serialize(VolumeConfig v)
    {
        var w = new GoJsonWriter().BeginObject()
            .String("Name", v.Name)
            .QuotedInt64("Size", v.Size)
            .StringMap("Labels", v.Labels)
            .String("CreatedTime", v.CreatedTime)
            .String("LastBackupName", v.LastBackupName)
            .String("LastBackupAt", v.LastBackupAt)
            .QuotedInt64("BlockCount", v.BlockCount)
            .QuotedString("BackingImageName", v.BackingImageName)
            .QuotedString("BackingImageChecksum", v.BackingImageChecksum)
            .QuotedString("CompressionMethod", v.CompressionMethod)
            .QuotedString("StorageClassName", v.StorageClassName)
            .QuotedString("DataEngine", v.DataEngine);
        foreach (var (name, raw) in v.UnknownFields) w.Name(name).RawValue(raw);
        return w.EndObject().ToUtf8();
    }

    /// <summary>Parses a volume.cfg; <paramref name="path"/> names the file in errors.</summary>
    public static VolumeConfig Deserialize(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var o = new GoJsonObject(doc.RootElement, Fields);
            return new VolumeConfig
            {
                Name = o.GetString("Name"),
                Size = o.GetQuotedInt64("Size"),
                Labels = o.GetStringMap("Labels"),
                CreatedTime = o.GetString("CreatedTime"),
                LastBackupName = o.GetString("LastBackupName"),
                LastBackupAt = o.GetString("LastBackupAt"),
                BlockCount = o.GetQuotedInt64("BlockCount"),
                BackingImageName = o.GetQuotedString("BackingImageName"),
                BackingImageChecksum = o.GetQuotedString("BackingImageChecksum"),
                CompressionMethod = o.GetQuotedString("CompressionMethod"),
                StorageClassName = o.GetQuotedString("StorageClassName"),
                DataEngine = o.GetQuotedString("DataEngine"),
                UnknownFields = o.Unknown,
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw ConfigErrors.Invalid(path, "volume.cfg", ex);
        }
    }
}

internal static class ConfigErrors
{
    public static CorruptBackupException Invalid(string path, string what, Exception ex) =>
        new("LonghornBadConfig", $"The Longhorn {what} at '{path}' in backup storage is not valid JSON of the expected shape: {ex.Message}", path, ex)
        {
            Target = path,
        };
}
