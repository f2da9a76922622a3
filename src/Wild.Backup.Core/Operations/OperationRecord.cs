using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Wild.Backup.Core.Operations;

/// <summary>Where an operation is in its life. Serialised lower-case, as the Wild Cloud daemon does.</summary>
public enum OperationStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Why an operation failed: a stable code (the engine's ErrorId), the message a person reads, and the kind
/// (so a remote front end raises the same error a local run would).</summary>
public sealed record OperationError(string Code, string Message, Errors.WildErrorKind? Kind = null);

/// <summary>
/// One unit of watched work — a backup, a restore — in the JSON shape the Wild Cloud daemon already uses for its
/// operations (<c>id, type, target, instance, status, message, progress, started_at, ended_at</c>), plus
/// <c>result</c> and <c>error</c>. Persisted as <c>{instance}/operations/{id}.json</c>.
/// </summary>
public sealed record OperationRecord
{
    public required string Id { get; init; }
    /// <summary><c>backup_app</c>, <c>backup_all</c>, <c>backup_cluster</c>, <c>restore_app</c>, <c>restore_switch</c>,
    /// <c>restore_cleanup</c>, <c>restore_cluster</c>, <c>test_backups</c>.</summary>
    public required string Type { get; init; }
    /// <summary>What it acts on: an app name, <c>cluster</c>, or <c>all</c>.</summary>
    public required string Target { get; init; }
    public required string Instance { get; init; }
    public OperationStatus Status { get; init; } = OperationStatus.Pending;
    public string Message { get; init; } = "";
    public int Progress { get; init; }
    public JsonNode? Result { get; init; }
    public OperationError? Error { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    /// <summary>The process running it (not part of the daemon's shape; readers ignore it).</summary>
    public OperationOwner? Owner { get; init; }
    /// <summary>Who wrote the record: <c>wildbackup</c> (this tool), or <c>daemon</c> for the Wild Cloud daemon's own
    /// operations in the same directory (see <see cref="DaemonOperations"/>), which are listed read-only.</summary>
    public string Origin { get; init; } = OwnOrigin;
    /// <summary>The daemon's operation-specific details (its records only).</summary>
    public JsonNode? Details { get; init; }

    public const string OwnOrigin = "wildbackup";

    /// <summary>A record of the Wild Cloud daemon: read-only here.</summary>
    [JsonIgnore]
    public bool IsDaemons => Origin == DaemonOperations.Origin;

    [JsonIgnore]
    public bool IsTerminal => Status is OperationStatus.Completed or OperationStatus.Failed or OperationStatus.Cancelled;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>A record of ours, or (by its <c>op_…</c> id) one of the daemon's; null when unreadable.</summary>
    public static OperationRecord? TryParse(ReadOnlySpan<byte> json, DateTimeOffset? fileTime = null)
    {
        if (json.IndexOf("\"op_"u8) >= 0 && DaemonOperations.TryParse(json, fileTime ?? DateTimeOffset.UnixEpoch) is { } daemon) return daemon;
        try
        {
            return JsonSerializer.Deserialize<OperationRecord>(json, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
