using System.Text.Json.Nodes;
using Xunit;

namespace Wild.Backup.Api.Tests;

public sealed class OpenApiTests
{
    /// <summary>The design's endpoints plus the operation and stream endpoints the issue adds.</summary>
    private static readonly string[] Required =
    [
        "POST /api/v1/instances/{instance}/apps/{app}/backup",
        "POST /api/v1/instances/{instance}/backup",
        "GET /api/v1/instances/{instance}/apps/{app}/backup",
        "GET /api/v1/instances/{instance}/backups",
        "GET /api/v1/instances/{instance}/operations",
        "GET /api/v1/instances/{instance}/operations/{id}",
        "DELETE /api/v1/instances/{instance}/operations/{id}",
        "GET /api/v1/instances/{instance}/operations/{id}/events",
        "GET /api/v1/instances/{instance}/events",
        "GET /api/v1/events",
        "POST /api/v1/instances/{instance}/operations/{id}/cancel",
        "GET /api/v1/openapi.json",
    ];

    [Fact]
    public async Task The_document_lists_exactly_the_routes_served()
    {
        await using var api = await ApiWorld.StartAsync();
        var doc = JsonNode.Parse(await api.Http.GetStringAsync("/api/v1/openapi.json"))!;
        Assert.Equal("3.0.3", doc["openapi"]!.GetValue<string>());
        var documented = doc["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => $"{m.Key.ToUpperInvariant()} {p.Key}")).ToHashSet();
        foreach (var r in Required) Assert.Contains(r, documented);

        // Every documented operation is served: a request to it never hits the catch-all "no such route".
        foreach (var entry in documented)
        {
            var (method, path) = (entry.Split(' ')[0], entry.Split(' ')[1]);
            if (path.EndsWith("/events", StringComparison.Ordinal)) continue; // streams: served (see SseTests), they do not end
            var concrete = path.Replace("{instance}", "demo-cloud").Replace("{app}", "gitea").Replace("{id}", "op-20260101000000-00000000");
            var (status, body) = await api.SendAsync(new HttpMethod(method), concrete, method == "POST" ? "{}" : null);
            Assert.False(status == 404 && body?["code"]?.GetValue<string>() == "RouteNotFound", $"{entry} is documented but not served");
            Assert.NotEqual(405, status);
        }

        // Versioned: the API's version and what changed (the error shape above all), the Error schema used by every error.
        Assert.Equal(OpenApiDocument.ApiVersion, doc["info"]!["version"]!.GetValue<string>());
        Assert.StartsWith("2.", OpenApiDocument.ApiVersion);
        Assert.Contains("{\"error\": \"<text>\"", doc["info"]!["description"]!.GetValue<string>());
        Assert.Equal(["error", "code"], doc["components"]!["schemas"]!["Error"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("#/components/schemas/Error", doc["paths"]!["/api/v1/instances/{instance}/apps/{app}/backup"]!["post"]!["responses"]!["404"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());

        // And a route that is not documented is not served.
        var (s, b) = await api.SendAsync(HttpMethod.Get, "/api/v1/instances/demo-cloud/secrets");
        Assert.Equal(404, s);
        Assert.Equal("RouteNotFound", b!["code"]!.GetValue<string>());
    }
}
