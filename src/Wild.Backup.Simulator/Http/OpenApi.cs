using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Http;

/// <summary>
/// A minimal OpenAPI v3 discovery: the root lists every group/version; each group/version document
/// has the resource paths with their operations, the x-kubernetes-group-version-kind extension and
/// the write query parameters (dryRun, fieldManager, fieldValidation, force). That is what kubectl
/// reads to decide that the server validates fields itself. No schemas are published (see
/// docs/TESTING.md), so kubectl explain and client-side schema validation have nothing to work with.
/// </summary>
internal static class OpenApi
{
    public static JsonObject Root(ResourceRegistry registry, string version)
    {
        var paths = new JsonObject();
        foreach (var gv in GroupVersions(registry))
        {
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={Hash(GroupVersionDocument(registry, gv, version)!)}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    private static IEnumerable<string> GroupVersions(ResourceRegistry registry)
    {
        yield return "api/v1";
        foreach (var (group, versions) in registry.Groups())
        {
            foreach (var v in versions) yield return $"apis/{group}/{v}";
        }
    }

    /// <summary>The document for "api/v1" or "apis/{group}/{version}", or null.</summary>
    public static JsonObject? GroupVersionDocument(ResourceRegistry registry, string gv, string kubernetesVersion)
    {
        var parts = gv.Split('/');
        var (group, version) = parts switch
        {
            ["api", var v] => ("", v),
            ["apis", var g, var v] => (g, v),
            _ => ("", ""),
        };
        var types = version.Length == 0 ? [] : registry.InGroupVersion(group, version);
        if (types.Count == 0) return null;
        var paths = new JsonObject();
        var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
        foreach (var t in types)
        {
            var gvk = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = t.Kind };
            var collection = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}" : $"{prefix}/{t.Plural}";
            var item = collection + "/{name}";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation("list" + t.Kind, gvk, "list", []),
                ["post"] = Operation("create" + t.Kind, gvk, "post", WriteParameters(false)),
            };
            paths[item] = new JsonObject
            {
                ["get"] = Operation("read" + t.Kind, gvk, "get", []),
                ["put"] = Operation("replace" + t.Kind, gvk, "put", WriteParameters(false)),
                ["patch"] = Operation("patch" + t.Kind, gvk, "patch", WriteParameters(true)),
                ["delete"] = Operation("delete" + t.Kind, gvk, "delete", []),
            };
            if (t.HasStatus)
            {
                paths[item + "/status"] = new JsonObject
                {
                    ["get"] = Operation("read" + t.Kind + "Status", gvk, "get", []),
                    ["put"] = Operation("replace" + t.Kind + "Status", gvk, "put", WriteParameters(false)),
                    ["patch"] = Operation("patch" + t.Kind + "Status", gvk, "patch", WriteParameters(true)),
                };
            }
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = kubernetesVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    /// <summary>An empty Swagger 2.0 document (older clients probe it).</summary>
    public static JsonObject SwaggerV2(string kubernetesVersion) => new()
    {
        ["swagger"] = "2.0",
        ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = kubernetesVersion },
        ["paths"] = new JsonObject(),
        ["definitions"] = new JsonObject(),
    };

    private static JsonObject Operation(string id, JsonObject gvk, string action, JsonArray parameters) => new()
    {
        ["operationId"] = id,
        ["parameters"] = parameters,
        ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
        ["x-kubernetes-action"] = action,
        ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
    };

    private static JsonArray WriteParameters(bool patch)
    {
        var names = patch ? new[] { "dryRun", "fieldManager", "fieldValidation", "force" } : ["dryRun", "fieldManager", "fieldValidation"];
        var arr = new JsonArray();
        foreach (var n in names)
        {
            arr.Add(new JsonObject
            {
                ["name"] = n,
                ["in"] = "query",
                ["schema"] = new JsonObject { ["type"] = n == "force" ? "boolean" : "string", ["uniqueItems"] = true },
            });
        }
        return arr;
    }

    private static string Hash(JsonObject doc)
        => Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(doc.ToJson())))[..32];
}
