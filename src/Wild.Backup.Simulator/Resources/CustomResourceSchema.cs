using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Resources;

/// <summary>
/// Structural-schema handling for custom resources, in the apiextensions-apiserver order: prune
/// unknown fields (unless x-kubernetes-preserve-unknown-fields), apply defaults, then validate types,
/// required fields, enums, bounds, lengths and patterns.
/// </summary>
internal static class CustomResourceSchema
{
    public static void Prune(JsonObject obj, JsonObject? schema)
    {
        if (schema is null) return;
        PruneNode(obj, schema, isRoot: true);
    }

    private static void PruneNode(JsonNode? node, JsonObject schema, bool isRoot = false)
    {
        var preserve = schema.Bool("x-kubernetes-preserve-unknown-fields") == true;
        switch (node)
        {
            case JsonObject o:
                var props = schema.Obj("properties");
                var additional = schema["additionalProperties"] as JsonObject;
                var embedded = schema.Bool("x-kubernetes-embedded-resource") == true;
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (isRoot && key is "apiVersion" or "kind" or "metadata") continue;
                    if (embedded && key is "apiVersion" or "kind" or "metadata") continue;
                    if (props?[key] is JsonObject ps)
                    {
                        if (o[key] is null && ps.Bool("nullable") != true) { o.Remove(key); continue; }
                        PruneNode(o[key], ps);
                    }
                    else if (additional is not null)
                    {
                        PruneNode(o[key], additional);
                    }
                    else if (!preserve && (props is not null || schema.Str("type") == "object"))
                    {
                        o.Remove(key);
                    }
                }
                break;
            case JsonArray a when schema["items"] is JsonObject items:
                foreach (var item in a) PruneNode(item, items);
                break;
        }
    }

    public static void ApplyDefaults(JsonNode? node, JsonObject? schema)
    {
        if (schema is null || node is null) return;
        switch (node)
        {
            case JsonObject o:
                if (schema.Obj("properties") is { } props)
                {
                    foreach (var (key, ps) in props)
                    {
                        if (ps is not JsonObject propSchema) continue;
                        if (!o.ContainsKey(key) && propSchema["default"] is { } def) o[key] = def.DeepClone();
                        if (o[key] is { } child) ApplyDefaults(child, propSchema);
                    }
                }
                if (schema["additionalProperties"] is JsonObject additional)
                {
                    foreach (var (_, v) in o) ApplyDefaults(v, additional);
                }
                break;
            case JsonArray a when schema["items"] is JsonObject items:
                foreach (var item in a) ApplyDefaults(item, items);
                break;
        }
    }

    public static void Validate(JsonNode? node, JsonObject? schema, string path, List<FieldError> errors, bool isRoot = false)
    {
        if (schema is null) return;
        if (node is null)
        {
            if (schema.Bool("nullable") != true && !isRoot)
            {
                errors.Add(FieldError.Invalid(path, "null", $"{path} in body must be of type {schema.Str("type") ?? "object"}: \"null\""));
            }
            return;
        }
        var type = schema.Str("type");
        var kind = node.GetValueKind();
        if (schema.Bool("x-kubernetes-int-or-string") == true)
        {
            if (kind is not (JsonValueKind.Number or JsonValueKind.String))
            {
                errors.Add(FieldError.Invalid(path, TypeName(kind), $"{path} in body must be of type int-or-string: \"{TypeName(kind)}\""));
            }
            return;
        }
        if (type is not null && !TypeMatches(type, node, kind))
        {
            errors.Add(FieldError.Invalid(path, TypeName(kind), $"{path} in body must be of type {type}: \"{TypeName(kind)}\""));
            return;
        }
        if (schema["enum"] is JsonArray values && !values.Any(v => JsonTools.DeepEquals(v, node)))
        {
            errors.Add(FieldError.NotSupported(path, JsonTools.Display(node), values.Select(JsonTools.Display)));
        }
        switch (node)
        {
            case JsonObject o:
                if (schema["required"] is JsonArray required)
                {
                    foreach (var r in required.Select(JsonTools.Display))
                    {
                        if (!o.ContainsKey(r)) errors.Add(FieldError.Required(Join(path, r), ""));
                    }
                }
                var props = schema.Obj("properties");
                var additional = schema["additionalProperties"] as JsonObject;
                foreach (var (k, v) in o)
                {
                    if (isRoot && k is "metadata" or "apiVersion" or "kind") continue;
                    if (props?[k] is JsonObject ps) Validate(v, ps, Join(path, k), errors);
                    else if (additional is not null) Validate(v, additional, Join(path, k), errors);
                }
                break;
            case JsonArray a:
                if (schema.Long("maxItems") is { } maxItems && a.Count > maxItems) errors.Add(FieldError.TooLong(path, null, (int)maxItems));
                if (schema.Long("minItems") is { } minItems && a.Count < minItems) errors.Add(FieldError.InvalidRaw(path, a.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {minItems} items"));
                if (schema["items"] is JsonObject items)
                {
                    for (var i = 0; i < a.Count; i++) Validate(a[i], items, $"{path}[{i}]", errors);
                }
                break;
            case JsonValue v when kind == JsonValueKind.String:
                var s = v.GetValue<string>();
                if (schema.Long("maxLength") is { } maxLen && s.Length > maxLen) errors.Add(FieldError.TooLong(path, s, (int)maxLen));
                if (schema.Long("minLength") is { } minLen && s.Length < minLen) errors.Add(FieldError.Invalid(path, s, $"{path} in body should be at least {minLen} chars long"));
                if (schema.Str("pattern") is { } pattern && !Regex.IsMatch(s, pattern)) errors.Add(FieldError.Invalid(path, s, $"{path} in body should match '{pattern}'"));
                break;
            case JsonValue v when kind == JsonValueKind.Number:
                // In-process callers may hand typed values (an int is not readable as a double): go through the JSON text.
                var d = Number(v);
                if (schema["minimum"] is { } min && d < Number(min)) errors.Add(FieldError.InvalidRaw(path, JsonTools.Display(v), $"{path} in body should be greater than or equal to {JsonTools.Display(min)}"));
                if (schema["maximum"] is { } max && d > Number(max)) errors.Add(FieldError.InvalidRaw(path, JsonTools.Display(v), $"{path} in body should be less than or equal to {JsonTools.Display(max)}"));
                break;
        }
    }

    private static double Number(JsonNode n) => double.Parse(n.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static bool TypeMatches(string type, JsonNode node, JsonValueKind kind) => type switch
    {
        "object" => kind == JsonValueKind.Object,
        "array" => kind == JsonValueKind.Array,
        "string" => kind == JsonValueKind.String,
        "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
        "number" => kind == JsonValueKind.Number,
        "integer" => kind == JsonValueKind.Number && node.Long() is not null,
        _ => true,
    };

    private static string TypeName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    /// <summary>Merge semantics (SSA) from x-kubernetes-list-type / list-map-keys / map-type.</summary>
    public static SchemaNode ToMergeSchema(JsonObject? schema)
    {
        var node = new SchemaNode();
        if (schema is null) return node;
        if (schema.Str("x-kubernetes-map-type") == "atomic") node.AtomicObject = true;
        switch (schema.Str("x-kubernetes-list-type"))
        {
            case "map":
                node.ListType = ListType.Map;
                node.ListMapKeys = schema.Arr("x-kubernetes-list-map-keys")?.Select(JsonTools.Display).ToArray() ?? [];
                break;
            case "set":
                node.ListType = ListType.Set;
                break;
        }
        if (schema.Obj("properties") is { } props)
        {
            foreach (var (k, v) in props) node.Fields[k] = ToMergeSchema(v as JsonObject);
        }
        if (schema["additionalProperties"] is JsonObject additional) node.Values = ToMergeSchema(additional);
        if (schema["items"] is JsonObject items) node.Items = ToMergeSchema(items);
        return node;
    }
}
