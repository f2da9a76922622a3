using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wild.Backup.Core.Operations;

/// <summary>
/// The Wild Cloud daemon's own operation records, which share <c>instances/{i}/operations/</c> with ours. The daemon
/// writes them as <c>op_{type}_{target}_{unixNanos}.json</c> with <c>id, type, target, instance, status, message,
/// progress, details, logFile, started_at, ended_at</c>, where an unfinished <c>ended_at</c> is Go's zero time
/// <c>0001-01-01T00:00:00Z</c> (civil-society-dev/wild-cloud <c>api/internal/operations/operations.go</c>: Operation,
/// generateID, writeOperation). Its output log sits beside them in <c>op_…/output.log</c>.
/// <para>This tool only reads them: they are listed (marked <see cref="OperationRecord.Origin"/> = <c>daemon</c>),
/// never rewritten, never purged, never cancelled from here — the daemon cleans up its own. A record that cannot be read
/// is skipped, never an error.</para>
/// </summary>
public static partial class DaemonOperations
{
    /// <summary>The <see cref="OperationRecord.Origin"/> of a record the daemon wrote.</summary>
    public const string Origin = "daemon";

    /// <summary>A daemon record as an <see cref="OperationRecord"/>, or null when it is not one this tool can read.</summary>
    public static OperationRecord? TryParse(ReadOnlySpan<byte> json, DateTimeOffset fileTime)
    {
        JsonObject? o;
        try
        {
            o = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (o is null || Text(o, "id") is not { } id || !OperationIds.IsDaemonId(id)) return null;
        var started = Time(o, "started_at");
        var (status, unknown) = Status(Text(o, "status"));
        var message = Text(o, "message") ?? "";
        if (unknown is not null) message = $"(daemon status '{unknown}') {message}".TrimEnd();
        return new OperationRecord
        {
            Id = id,
            Type = Text(o, "type") ?? "",
            Target = Text(o, "target") ?? "",
            Instance = Text(o, "instance") ?? "",
            Status = status,
            Message = message,
            Progress = o["progress"] is JsonValue p && p.TryGetValue<int>(out var percent) ? Math.Clamp(percent, 0, 100) : 0,
            CreatedAt = started ?? fileTime,
            StartedAt = started,
            EndedAt = Time(o, "ended_at"),
            Details = o["details"]?.DeepClone(),
            Origin = Origin,
        };
    }

    private static string? Text(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>A Go time; its zero value (year 1, what the daemon writes until the operation ends) is "not set".
    /// Go writes nanoseconds (9 fraction digits); .NET keeps 7.</summary>
    private static DateTimeOffset? Time(JsonObject o, string key) =>
        Text(o, key) is { } s && DateTimeOffset.TryParse(Nanos().Replace(s, "$1"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) && t.Year > 1 ? t : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"(\.[0-9]{7})[0-9]+")]
    private static partial System.Text.RegularExpressions.Regex Nanos();

    private static (OperationStatus Status, string? Unknown) Status(string? s) => s switch
    {
        "pending" => (OperationStatus.Pending, null),
        "running" => (OperationStatus.Running, null),
        "completed" => (OperationStatus.Completed, null),
        "failed" => (OperationStatus.Failed, null),
        "cancelled" => (OperationStatus.Cancelled, null),
        _ => (OperationStatus.Pending, s ?? "none"),
    };
}
