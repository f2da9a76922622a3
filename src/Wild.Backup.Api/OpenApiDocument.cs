using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Wild.Backup.Api;

/// <summary>The API as an OpenAPI 3.0 document, built from the routes actually mapped (one source of truth).</summary>
public static partial class OpenApiDocument
{
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
            ["info"] = new JsonObject { ["title"] = "WildBackup API", ["version"] = Core.WildBackupEngine.ToolVersion },
            ["paths"] = paths,
        };
    }

    private static JsonObject Responses(string method, string pattern)
    {
        var r = new JsonObject();
        if (pattern.EndsWith("/events", StringComparison.Ordinal)) r["200"] = new JsonObject { ["description"] = "text/event-stream" };
        else if (method == "POST" || method == "DELETE") r["202"] = new JsonObject { ["description"] = method == "POST" ? "Accepted: {\"operation_id\": …}" : "Cancellation requested" };
        else r["200"] = new JsonObject { ["description"] = "OK" };
        foreach (var (code, text) in new[] { ("400", "Invalid name or body"), ("401", "Bearer token required"), ("404", "Unknown instance, app, backup or operation"), ("409", "Conflict: an operation already runs on the target"), ("503", "Cannot reach backup storage"), ("507", "Not enough space on backup storage") })
            r[code] = new JsonObject { ["description"] = text };
        return r;
    }
}
