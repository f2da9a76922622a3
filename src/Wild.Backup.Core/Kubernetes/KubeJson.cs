using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wild.Backup.Core.Kubernetes;

/// <summary>Small helpers for Kubernetes objects held as <see cref="JsonObject"/>s: typed reads along a path, and the
/// identity fields (apiVersion, kind, metadata.name/namespace, labels).</summary>
public static class KubeJson
{
    public static JsonNode? At(this JsonNode? node, params string[] path)
    {
        foreach (var p in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(p, out node)) return null;
        }
        return node;
    }

    public static string? Str(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(this JsonNode? node, params string[] path)
    {
        if (node.At(path) is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d) && d == Math.Floor(d)) return (long)d;
        if (v.TryGetValue<decimal>(out var m) && m == decimal.Floor(m)) return (long)m;
        if (v.GetValueKind() == JsonValueKind.Number && long.TryParse(v.ToJsonString(), out var parsed)) return parsed;
        return null;
    }

    public static bool? Bool(this JsonNode? node, params string[] path) =>
        node.At(path) is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    public static JsonObject? Obj(this JsonNode? node, params string[] path) => node.At(path) as JsonObject;

    public static JsonArray? Arr(this JsonNode? node, params string[] path) => node.At(path) as JsonArray;

    /// <summary>The object at <paramref name="path"/>, created (with every missing parent) when absent.</summary>
    public static JsonObject Ensure(this JsonObject node, params string[] path)
    {
        var current = node;
        foreach (var p in path)
        {
            if (current[p] is JsonObject next)
            {
                current = next;
                continue;
            }
            next = new JsonObject();
            current[p] = next;
            current = next;
        }
        return current;
    }

    public static string ApiVersion(this JsonObject o) => o.Str("apiVersion") ?? "";
    public static string Kind(this JsonObject o) => o.Str("kind") ?? "";
    public static string Name(this JsonObject o) => o.Str("metadata", "name") ?? "";
    public static string? Namespace(this JsonObject o) => o.Str("metadata", "namespace");

    /// <summary>The API group of an apiVersion ("" for the core group).</summary>
    public static string GroupOf(string apiVersion) => apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";

    public static string VersionOf(string apiVersion) => apiVersion.Contains('/') ? apiVersion[(apiVersion.IndexOf('/') + 1)..] : apiVersion;

    /// <summary>A string map (labels, annotations, data) as a dictionary; absent → empty.</summary>
    public static IReadOnlyDictionary<string, string> StringMap(this JsonNode? node, params string[] path)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.At(path) is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                if (v is JsonValue value && value.TryGetValue<string>(out var s)) map[k] = s;
            }
        }
        return map;
    }

    /// <summary>"Kind ns/name" (or "Kind name" for cluster objects), for messages.</summary>
    public static string Describe(this JsonObject o) => o.Namespace() is { Length: > 0 } ns ? $"{o.Kind()} {ns}/{o.Name()}" : $"{o.Kind()} {o.Name()}";

    /// <summary>A deep copy as a JsonObject.</summary>
    public static JsonObject Clone(this JsonObject o) => (JsonObject)o.DeepClone();
}
