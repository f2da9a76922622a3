using System.Text.Json;
using System.Text.Json.Serialization;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// <c>backup.json</c>: what a backup holds and how to check it. Written last, after every file was re-read and
/// matched its hash; its presence is what makes a backup complete.
/// </summary>
public sealed record BackupRecord
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public string Tool { get; init; } = "WildBackup";
    public required string ToolVersion { get; init; }
    public required BackupKind Kind { get; init; }
    public required string Instance { get; init; }
    /// <summary>The app, for app backups; null for the cluster.</summary>
    public string? App { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required double DurationSeconds { get; init; }
    public required IReadOnlyList<BackupFileRecord> Files { get; init; }
    /// <summary>Optional inputs that did not exist when the backup was taken (e.g. <c>talosconfig</c>).</summary>
    public IReadOnlyList<string> Absent { get; init; } = [];
    /// <summary>Directories that belong to the backup even when empty (<c>volumes</c>).</summary>
    public IReadOnlyList<string> Directories { get; init; } = [];
    /// <summary>The host that took the backup.</summary>
    public string? Host { get; init; }
    /// <summary>The app's Longhorn volumes (claims and their Longhorn Backups); empty for config-only backups and in
    /// records written before volumes were backed up.</summary>
    public IReadOnlyList<BackupVolumeRecord> Volumes { get; init; } = [];
    /// <summary>Longhorn backups this backup superseded (the previous backup's, or earlier ones not yet gone): deleted after
    /// this backup was published, each listed here until a later run (or <c>Test-WildBackup</c>) confirms it is gone.</summary>
    public IReadOnlyList<PendingLonghornDeletion> PendingDeletions { get; init; } = [];

    [JsonIgnore]
    public long TotalBytes => Files.Sum(f => f.Size);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Parses backup.json; a damaged or foreign file is a CorruptBackupException naming <paramref name="location"/>.</summary>
    public static BackupRecord Parse(ReadOnlySpan<byte> json, string location)
    {
        BackupRecord? record;
        try
        {
            record = JsonSerializer.Deserialize<BackupRecord>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new CorruptBackupException("BackupRecordUnreadable", $"backup.json in {location} is damaged: {ex.Message}", inner: ex) { Target = location };
        }
        if (record is null || record.Files is null)
            throw new CorruptBackupException("BackupRecordUnreadable", $"backup.json in {location} is empty or incomplete.") { Target = location };
        if (record.FormatVersion > CurrentFormatVersion)
            throw new CorruptBackupException("BackupFormatTooNew", $"The backup in {location} was written by a newer WildBackup (format {record.FormatVersion}). Upgrade the module to read it.") { Target = location };
        return record;
    }
}

/// <summary>One file of a backup: its name inside the backup directory, size and SHA-256 (lower-case hex).</summary>
public sealed record BackupFileRecord(string Name, long Size, string Sha256);
