using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Wild.Backup.Simulator.Json;

/// <summary>Small helpers over <see cref="JsonNode"/> used everywhere in the simulator.</summary>
public static class JsonTools
{
    /// <summary>Serializer options matching the API server's output: compact, no HTML escaping.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static string ToJson(this JsonNode? node) => node is null ? "null" : node.ToJsonString(Options);

    public static byte[] ToUtf8(this JsonNode? node) => Encoding.UTF8.GetBytes(node.ToJson());

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8)
        => JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
           ?? throw new JsonException("expected a JSON object");

    public static JsonObject ParseObject(string json)
        => JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
           ?? throw new JsonException("expected a JSON object");

    public static JsonObject CloneObject(this JsonObject o) => (JsonObject)o.DeepClone();

    /// <summary>Gets a child by path; null when any segment is missing or not an object.</summary>
    public static JsonNode? Get(this JsonNode? node, params string[] path)
    {
        var cur = node;
        foreach (var p in path)
        {
            if (cur is not JsonObject o || !o.TryGetPropertyValue(p, out cur)) return null;
        }
        return cur;
    }

    public static JsonObject? Obj(this JsonNode? node, params string[] path) => node.Get(path) as JsonObject;

    public static JsonArray? Arr(this JsonNode? node, params string[] path) => node.Get(path) as JsonArray;

    /// <summary>String value at a path, or null when absent or not a string.</summary>
    public static string? Str(this JsonNode? node, params string[] path)
        => node.Get(path) is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long? Long(this JsonNode? node, params string[] path)
    {
        if (node.Get(path) is not JsonValue v) return null;
        if (v.TryGetValue<long>(out var l)) return l;
        if (v.TryGetValue<int>(out var i)) return i;
        if (v.TryGetValue<double>(out var d) && Math.Abs(d % 1) < double.Epsilon) return (long)d;
        if (v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out l)) return l;
        return null;
    }

    public static bool? Bool(this JsonNode? node, params string[] path)
    {
        if (node.Get(path) is not JsonValue v) return null;
        if (v.TryGetValue<bool>(out var b)) return b;
        if (v.TryGetValue<JsonElement>(out var e) && (e.ValueKind == JsonValueKind.True || e.ValueKind == JsonValueKind.False)) return e.GetBoolean();
        return null;
    }

    /// <summary>Returns the object at the path, creating empty objects along the way.</summary>
    public static JsonObject Ensure(this JsonObject node, params string[] path)
    {
        var cur = node;
        foreach (var p in path)
        {
            if (cur[p] is JsonObject next) { cur = next; continue; }
            next = new JsonObject();
            cur[p] = next;
            cur = next;
        }
        return cur;
    }

    public static void Set(this JsonObject node, string[] path, JsonNode? value)
    {
        var parent = node.Ensure(path[..^1]);
        parent[path[^1]] = value;
    }

    public static void Remove(this JsonObject node, params string[] path)
    {
        if (node.Obj(path[..^1]) is { } parent) parent.Remove(path[^1]);
    }

    /// <summary>Deep structural equality (numbers compared by value, object key order ignored).</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>The JSON kind of a node, treating null as <see cref="JsonValueKind.Null"/>.</summary>
    public static JsonValueKind Kind(this JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    /// <summary>Labels (or any string map) as a dictionary; non-string values are ignored.</summary>
    public static Dictionary<string, string> StringMap(this JsonNode? node)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                if (v is JsonValue jv && jv.TryGetValue<string>(out var s)) result[k] = s;
            }
        }
        return result;
    }

    public static JsonObject ToJsonObject(this IEnumerable<KeyValuePair<string, string>> map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map) o[k] = v;
        return o;
    }

    /// <summary>Kubernetes' metav1.Time format: RFC 3339 with second precision, UTC.</summary>
    public static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Kubernetes' metav1.MicroTime format.</summary>
    public static string MicroTimestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? s)
        => s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    /// <summary>Renders a scalar node the way Go's %v would in error messages.</summary>
    public static string Display(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJson(),
    };
}
