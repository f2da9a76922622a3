using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Wild.Backup.Api;

/// <summary>The API as an OpenAPI 3.0 document, built from the routes actually mapped (one source of truth).</summary>
public static partial class OpenApiDocument
{
    /// <summary>The API's own version (the tool's is <c>x-tool-version</c>). 2.0.0: errors are
    /// <c>{"error": "&lt;text&gt;", "code"}</c> (1.x: <c>{"error": {"code", "message"}}</c>); <c>…/events</c> speaks the Wild
    /// Cloud daemon's envelope and event names, with <c>GET /events</c> for every instance; <c>POST …/operations/{id}/cancel</c>;
    /// the daemon's operation records are listed (<c>origin: daemon</c>); the default port is 5056.</summary>
    public const string ApiVersion = "2.0.0";

    /// <summary>What changed in each version, for people reading the document.</summary>
    public const string Changes =
        "2.0.0: errors are {\"error\": \"<text>\", \"code\": \"<ErrorId>\"}, where the Wild Cloud daemon's clients read the text (1.x: {\"error\": {\"code\", \"message\"}}); " +
        "GET /events and GET /instances/{instance}/events carry the daemon's envelope and event names (connected, heartbeat, operation:*, backup:*, restore:*; ?types=, ?apps=), " +
        "one operation's stream (…/operations/{id}/events) keeps its shape and Last-Event-ID; POST …/operations/{id}/cancel as well as DELETE; " +
        "operation records gain origin (wildbackup | daemon) and the daemon's records are listed read-only; default port 5056 (5055 is the daemon's).";

    [GeneratedRegex(@"\{(\w+)[^}]*\}")]
    private static partial Regex Parameter();

    public static JsonObject Build(EndpointDataSource endpoints)
    {
        var paths = new JsonObject();
        foreach (var e in endpoints.Endpoints.OfType<RouteEndpoint>().OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal))
        {
            var pattern = e.RoutePattern.RawText ?? "";
            if (!pattern.StartsWith(Routes.Prefix, StringComparison.Ordinal) || e.Metadata.GetMetadata<HttpMethodMetadata>() is not { } methods) continue;
            if (pattern.Contains("{*", StringComparison.Ordinal)) continue; // the JSON 404 fallback
            var path = (JsonObject)(paths[pattern] ??= new JsonObject());
            foreach (var method in methods.HttpMethods)
            {
                var op = new JsonObject
                {
                    ["summary"] = e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IEndpointSummaryMetadata>()?.Summary ?? "",
                    ["parameters"] = new JsonArray(Parameter().Matches(pattern).Select(m => (JsonNode)new JsonObject
                    {
                        ["name"] = m.Groups[1].Value, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" },
                    }).ToArray()),
                    ["responses"] = Responses(method, pattern),
                };
                if (method == "POST") op["requestBody"] = new JsonObject { ["required"] = false, ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } } } };
                path[method.ToLowerInvariant()] = op;
            }
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject
            {
                ["title"] = "WildBackup API",
                ["version"] = ApiVersion,
                ["description"] = Changes,
                ["x-tool-version"] = Core.WildBackupEngine.ToolVersion,
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = new JsonObject
                {
                    ["Error"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("error", "code"),
                        ["properties"] = new JsonObject
                        {
                            ["error"] = new JsonObject { ["type"] = "string", ["description"] = "What went wrong and what to do, for people (the Wild Cloud daemon's field)." },
                            ["code"] = new JsonObject { ["type"] = "string", ["description"] = "Stable error id: AppNotFound, StorageUnreachable, NotEnoughSpace, OperationRunning, …" },
                        },
                    },
                },
            },
        };
    }

    private static JsonObject Responses(string method, string pattern)
    {
        var r = new JsonObject();
        if (pattern.EndsWith("/events", StringComparison.Ordinal)) r["200"] = new JsonObject { ["description"] = "text/event-stream" };
        else if (method == "DELETE" || pattern.EndsWith("/cancel", StringComparison.Ordinal)) r["202"] = new JsonObject { ["description"] = "Cancellation requested: the operation record" };
        else if (method == "POST") r["202"] = new JsonObject { ["description"] = "Accepted: {\"operation_id\": …}" };
        else r["200"] = new JsonObject { ["description"] = "OK" };
        foreach (var (code, text) in new[] { ("400", "Invalid name or body"), ("401", "Bearer token required"), ("404", "Unknown instance, app, backup or operation"), ("409", "Conflict: an operation already runs on the target"), ("503", "Cannot reach backup storage"), ("507", "Not enough space on backup storage") })
        {
            r[code] = new JsonObject
            {
                ["description"] = text,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Error" } } },
            };
        }
        return r;
    }
}
