using System.Text.Json;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// backup_&lt;name&gt;.cfg as Longhorn writes it (Go struct <c>backupstore.Backup</c>): Size,
/// NewlyUploadedDataSize and ReUploadedDataSize are <c>json:",string"</c> numbers; the other strings are plain;
/// Blocks is omitted when empty (<c>omitempty</c>); SingleFile is always present.
/// </summary>
public static class BackupConfigJson
{
    private static readonly string[] Fields =
    [
        "Name", "VolumeName", "SnapshotName", "SnapshotCreatedAt", "CreatedTime", "Size", "Labels", "Parameters",
        "IsIncremental", "CompressionMethod", "NewlyUploadedDataSize", "ReUploadedDataSize", "ProcessingBlocks",
        "Blocks", "SingleFile",
    ];

    private static readonly string[] BlockFields = ["Offset", "BlockChecksum"];
    private static readonly string[] SingleFileFields = ["FilePath"];

    public static byte[] Serialize(BackupConfig b)
    {
        var w = new GoJsonWriter().BeginObject()
            .String("Name", b.Name)
            .String("VolumeName", b.VolumeName)
            .String("SnapshotName", b.SnapshotName)
            .String("SnapshotCreatedAt", b.SnapshotCreatedAt)
            .String("CreatedTime", b.CreatedTime)
            .QuotedInt64("Size", b.Size)
            .StringMap("Labels", b.Labels)
            .StringMap("Parameters", b.Parameters)
            .Bool("IsIncremental", b.IsIncremental)
            .String("CompressionMethod", b.CompressionMethod)
            .QuotedInt64("NewlyUploadedDataSize", b.NewlyUploadedDataSize)
            .QuotedInt64("ReUploadedDataSize", b.ReUploadedDataSize);
        if (b.ProcessingBlocksIsObject) w.Name("ProcessingBlocks").BeginObject().EndObject();
        else w.Null("ProcessingBlocks");
        if (b.Blocks.Count > 0)
        {
            w.Name("Blocks").BeginArray();
            foreach (var block in b.Blocks)
            {
                w.Next().BeginObject().Int64("Offset", block.Offset).String("BlockChecksum", block.BlockChecksum).EndObject();
            }
            w.EndArray();
        }
        w.Name("SingleFile").BeginObject().String("FilePath", b.SingleFilePath).EndObject();
        foreach (var (name, raw) in b.UnknownFields) w.Name(name).RawValue(raw);
        return w.EndObject().ToUtf8();
    }

    /// <summary>Parses a backup cfg as stored; <paramref name="path"/> names the file in errors. Does not check the block map
    /// (see <see cref="BlockMap"/>).</summary>
    public static BackupConfig Deserialize(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var o = new GoJsonObject(doc.RootElement, Fields);
            return new BackupConfig
            {
                Name = o.GetString("Name"),
                VolumeName = o.GetString("VolumeName"),
                SnapshotName = o.GetString("SnapshotName"),
                SnapshotCreatedAt = o.GetString("SnapshotCreatedAt"),
                CreatedTime = o.GetString("CreatedTime"),
                Size = o.GetQuotedInt64("Size"),
                Labels = o.GetStringMap("Labels"),
                Parameters = o.GetStringMap("Parameters"),
                IsIncremental = o.GetBool("IsIncremental"),
                CompressionMethod = o.GetString("CompressionMethod"),
                NewlyUploadedDataSize = o.GetQuotedInt64("NewlyUploadedDataSize"),
                ReUploadedDataSize = o.GetQuotedInt64("ReUploadedDataSize"),
                ProcessingBlocksIsObject = o.TryGet("ProcessingBlocks", out var pb) && pb.ValueKind == JsonValueKind.Object,
                Blocks = ReadBlocks(o),
                SingleFilePath = ReadSingleFile(o),
                UnknownFields = o.Unknown,
            };
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            throw ConfigErrors.Invalid(path, "backup cfg", ex);
        }
    }

    private static List<BlockMapping> ReadBlocks(GoJsonObject o)
    {
        var list = new List<BlockMapping>();
        if (!o.TryGet("Blocks", out var arr)) return list;
        if (arr.ValueKind != JsonValueKind.Array) throw new FormatException("Blocks must be an array");
        foreach (var item in arr.EnumerateArray())
        {
            var b = new GoJsonObject(item, BlockFields);
            list.Add(new BlockMapping(b.GetInt64("Offset"), b.GetString("BlockChecksum")));
        }
        return list;
    }

    private static string ReadSingleFile(GoJsonObject o)
    {
        if (!o.TryGet("SingleFile", out var sf)) return "";
        return new GoJsonObject(sf, SingleFileFields).GetString("FilePath");
    }
}
