using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Patching;

/// <summary>
/// RFC 6902 JSON patch (<c>application/json-patch+json</c>): add, remove, replace, move, copy, test.
/// A malformed patch is 400 BadRequest; an operation that cannot be applied (including a failed
/// test) is 422, as the real server reports it.
/// </summary>
internal static class JsonPatch
{
    public static JsonObject Apply(JsonObject target, JsonNode? patch)
    {
        if (patch is not JsonArray ops) throw Errors.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        JsonNode doc = target.DeepClone();
        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op) throw Errors.BadRequest("invalid JSON patch operation");
            var name = op.Str("op") ?? throw Errors.BadRequest("Unexpected kind: unknown");
            var path = op.Str("path") ?? throw Unprocessable($"missing path in {name} operation");
            switch (name)
            {
                case "add":
                    RequireValue(op, name);
                    doc = Add(doc, path, op["value"]!.DeepClone(), op["value"] is null);
                    break;
                case "remove":
                    doc = Remove(doc, path, out _);
                    break;
                case "replace":
                    RequireValue(op, name);
                    _ = Resolve(doc, path) ?? throw Unprocessable($"replace operation does not apply: doc is missing key: {path}");
                    doc = Remove(doc, path, out _);
                    doc = Add(doc, path, op["value"]?.DeepClone(), op["value"] is null);
                    break;
                case "move":
                    {
                        var from = op.Str("from") ?? throw Unprocessable("missing from in move operation");
                        doc = Remove(doc, from, out var moved);
                        doc = Add(doc, path, moved, moved is null);
                        break;
                    }
                case "copy":
                    {
                        var from = op.Str("from") ?? throw Unprocessable("missing from in copy operation");
                        if (!Exists(doc, from)) throw Unprocessable($"copy operation does not apply: doc is missing from path: {from}");
                        var value = Resolve(doc, from);
                        doc = Add(doc, path, value?.DeepClone(), value is null);
                        break;
                    }
                case "test":
                    {
                        RequireValue(op, name);
                        if (!Exists(doc, path)) throw Unprocessable($"testing value {path} failed: test failed");
                        if (!JsonTools.DeepEquals(Resolve(doc, path), op["value"]))
                        {
                            throw Unprocessable($"testing value {path} failed: test failed");
                        }
                        break;
                    }
                default:
                    throw Errors.BadRequest($"Unexpected kind: {name}");
            }
        }
        return doc as JsonObject ?? throw Unprocessable("patch replaced the object with a non-object");
    }

    private static void RequireValue(JsonObject op, string name)
    {
        if (!op.ContainsKey("value")) throw Unprocessable($"missing value in {name} operation");
    }

    private static KubeApiException Unprocessable(string message) => new(422, "Invalid", message);

    private static List<string> Tokens(string pointer)
    {
        if (pointer.Length == 0) return [];
        if (pointer[0] != '/') throw Unprocessable($"invalid JSON pointer: {pointer}");
        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToList();
    }

    private static bool Exists(JsonNode doc, string pointer)
    {
        JsonNode? cur = doc;
        foreach (var t in Tokens(pointer))
        {
            switch (cur)
            {
                case JsonObject o when o.ContainsKey(t):
                    cur = o[t];
                    break;
                case JsonArray a when int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                    cur = a[i];
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    private static JsonNode? Resolve(JsonNode doc, string pointer)
    {
        JsonNode? cur = doc;
        foreach (var t in Tokens(pointer))
        {
            cur = cur switch
            {
                JsonObject o => o.TryGetPropertyValue(t, out var v) ? v : null,
                JsonArray a when int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
            if (cur is null) return null;
        }
        return cur;
    }

    private static JsonNode Add(JsonNode doc, string pointer, JsonNode? value, bool isNull)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0)
        {
            return value ?? throw Unprocessable("cannot replace the document with null");
        }
        var parent = Resolve(doc, "/" + string.Join("/", tokens[..^1].Select(Escape)));
        if (tokens.Count == 1) parent = doc;
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = isNull ? null : value;
                break;
            case JsonArray a:
                if (last == "-")
                {
                    a.Add(value);
                }
                else if (int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count)
                {
                    a.Insert(i, value);
                }
                else
                {
                    throw Unprocessable($"add operation does not apply: index out of bounds: {last}");
                }
                break;
            default:
                throw Unprocessable($"add operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }
        return doc;
    }

    private static JsonNode Remove(JsonNode doc, string pointer, out JsonNode? removed)
    {
        var tokens = Tokens(pointer);
        if (tokens.Count == 0) throw Unprocessable("cannot remove the document root");
        var parent = tokens.Count == 1 ? doc : Resolve(doc, "/" + string.Join("/", tokens[..^1].Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                if (removed is not null) removed = removed.DeepClone();
                return doc;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i]?.DeepClone();
                a.RemoveAt(i);
                return doc;
            default:
                throw Unprocessable($"remove operation does not apply: doc is missing path: \"{pointer}\": missing value");
        }
    }

    private static string Escape(string token) => token.Replace("~", "~0").Replace("/", "~1");
}
