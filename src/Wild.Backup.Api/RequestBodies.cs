using System.Text.Json;
using System.Text.Json.Serialization;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Api;

/// <summary>Request bodies: strict JSON (unknown fields are an error), size-limited, optional where every field is.</summary>
public static class RequestBodies
{
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>The body as <typeparamref name="T"/>; an empty body is <paramref name="empty"/>.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, long maxBytes, T empty)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + n > maxBytes) throw TooLarge(maxBytes);
            buffer.Write(chunk, 0, n);
        }
        if (buffer.Length == 0) return empty;
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
            throw new InvalidInputException("UnsupportedMediaType", "Send the body as application/json.");
        try
        {
            return JsonSerializer.Deserialize<T>(buffer.ToArray(), Strict) ?? empty;
        }
        catch (JsonException ex)
        {
            // Name the field or position, never the value (a body could hold anything).
            var at = ex.Path ?? "$";
            var why = at == "$" && ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "malformed JSON: the body must be a JSON object"
                : ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? $"unknown field '{at.TrimStart('$', '.')}'"
                : ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? $"wrong type for '{at.TrimStart('$', '.')}'"
                : $"malformed JSON at {at} (line {ex.LineNumber + 1})";
            throw new InvalidInputException("InvalidBody", $"The request body is not valid: {why}.");
        }
    }

    private static InvalidInputException TooLarge(long max) => new("BodyTooLarge", $"The request body is larger than {max} bytes.");

    /// <summary>A per-request step timeout, validated.</summary>
    public static TimeSpan? Timeout(int? seconds) => seconds switch
    {
        null => null,
        < 1 or > 7 * 24 * 3600 => throw new InvalidInputException("InvalidTimeout", "timeoutSeconds must be between 1 and 604800."),
        _ => TimeSpan.FromSeconds(seconds.Value),
    };
}

/// <summary>Body of backup requests (all fields optional). <c>exportImages</c> (app backups): also write
/// <c>volumes/{pvc}.qcow2</c>.</summary>
public sealed record BackupRequest(int? TimeoutSeconds = null, bool ExportImages = false);

/// <summary>Body of <c>POST …/apps/backup</c>: the apps to back up (null: all of them).</summary>
public sealed record BackupAppsRequest(string[]? Apps = null, int? TimeoutSeconds = null, bool ExportImages = false);

/// <summary>Body of <c>POST …/apps/{app}/volumes/export</c>: which claim (null: all), where (null: into the backup),
/// <c>qcow2</c> or <c>raw</c>, and where Longhorn's store is readable from the server.</summary>
public sealed record ExportVolumeBody(string? Claim = null, string? Path = null, string? Format = null, string? FromInstance = null,
    string? BackupTarget = null, bool Replace = false, int? TimeoutSeconds = null);

/// <summary>Body of <c>POST …/apps/{app}/restore</c>: the design's <c>fromInstance</c> and <c>strategy</c>.</summary>
public sealed record RestoreRequest(string? FromInstance = null, string? Strategy = null, int? TimeoutSeconds = null);

/// <summary>Body of <c>POST …/cluster/restore</c>.</summary>
public sealed record ClusterRestoreRequest(string? FromInstance = null, int? TimeoutSeconds = null);

/// <summary>Body of <c>POST …/backups/test</c>.</summary>
public sealed record TestBackupsRequest(string[]? Apps = null, bool Cluster = false, string? FromInstance = null, int? TimeoutSeconds = null);
