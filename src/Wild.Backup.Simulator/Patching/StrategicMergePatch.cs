using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Patching;

/// <summary>
/// Strategic merge patch (<c>application/strategic-merge-patch+json</c>) for built-in kinds: lists
/// with a patchMergeKey merge element by element (containers by name, ports by containerPort, env by
/// name, …), primitive "merge" lists are unions, other lists are replaced. Directives: <c>$patch:
/// replace|delete|merge</c>, <c>$deleteFromPrimitiveList/&lt;field&gt;</c>, <c>$setElementOrder/&lt;field&gt;</c>,
/// <c>$retainKeys</c>; a null value deletes a field.
/// </summary>
internal static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";
    private const string SetElementOrderPrefix = "$setElementOrder/";

    public static JsonObject Apply(JsonObject original, JsonNode? patch, SchemaNode? schema)
    {
        if (patch is not JsonObject p) throw Errors.BadRequest("invalid strategic merge patch: the patch must be a JSON object");
        var merged = MergeMap((JsonObject)original.DeepClone(), p, schema);
        return merged ?? new JsonObject();
    }

    /// <summary>Merges <paramref name="patch"/> into <paramref name="original"/> (mutated); null means "delete this map".</summary>
    private static JsonObject? MergeMap(JsonObject original, JsonObject patch, SchemaNode? schema)
    {
        if (patch[PatchDirective] is JsonValue directive)
        {
            switch (JsonTools.Display(directive))
            {
                case "replace":
                    return Clean(patch) as JsonObject;
                case "delete":
                    return null;
                case "merge":
                    break;
                default:
                    throw Errors.BadRequest($"Unknown patch type: {JsonTools.Display(directive)}");
            }
        }

        var orders = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        foreach (var (key, value) in patch)
        {
            if (key == PatchDirective || key == RetainKeysDirective) continue;
            if (key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal))
            {
                if (value is JsonArray order) orders[key[SetElementOrderPrefix.Length..]] = order;
                continue;
            }
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                var field = key[DeleteFromPrimitiveListPrefix.Length..];
                if (value is not JsonArray remove) throw Errors.BadRequest("invalid patch: $deleteFromPrimitiveList must be a list");
                if (original[field] is JsonArray list)
                {
                    for (var i = list.Count - 1; i >= 0; i--)
                    {
                        if (remove.Any(r => JsonTools.DeepEquals(r, list[i]))) list.RemoveAt(i);
                    }
                }
                continue;
            }

            var fieldSchema = schema?.Field(key);
            if (value is null)
            {
                original.Remove(key);
                continue;
            }
            var current = original[key];
            if (value is JsonObject patchMap && current is JsonObject currentMap)
            {
                var merged = MergeMap(currentMap, patchMap, fieldSchema);
                original.Remove(key);
                if (merged is not null) original[key] = merged;
            }
            else if (value is JsonArray patchList && current is JsonArray currentList && fieldSchema is { PatchMerge: true })
            {
                original.Remove(key);
                original[key] = MergeList(currentList, patchList, fieldSchema);
            }
            else if (value is JsonObject newMap && newMap[PatchDirective] is not null && JsonTools.Display(newMap[PatchDirective]) == "delete")
            {
                original.Remove(key);
            }
            else
            {
                original.Remove(key);
                original[key] = Clean(value);
            }
        }

        foreach (var (field, order) in orders)
        {
            if (original[field] is JsonArray list) Reorder(list, order, schema?.Field(field));
        }

        if (patch[RetainKeysDirective] is JsonArray retain)
        {
            var keep = retain.Select(JsonTools.Display).ToHashSet(StringComparer.Ordinal);
            foreach (var key in original.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key)) original.Remove(key);
            }
        }
        return original;
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, SchemaNode schema)
    {
        var mergeKey = schema.PatchMergeKey;
        var isMapList = patch.Any(e => e is JsonObject) || original.Any(e => e is JsonObject);
        if (!isMapList || mergeKey is null)
        {
            // Primitive list with merge strategy: union, keeping original order.
            var result = new JsonArray();
            foreach (var e in original) result.Add(e?.DeepClone());
            foreach (var e in patch)
            {
                if (!result.Any(r => JsonTools.DeepEquals(r, e))) result.Add(e?.DeepClone());
            }
            return result;
        }

        // "$patch: replace" as a list element replaces the whole list with the other elements.
        if (patch.OfType<JsonObject>().Any(e => JsonTools.Display(e[PatchDirective]) == "replace" && e.Count == 1))
        {
            var replaced = new JsonArray();
            foreach (var e in patch)
            {
                if (e is JsonObject o && o.Count == 1 && o[PatchDirective] is not null) continue;
                replaced.Add(Clean(e));
            }
            return replaced;
        }

        var items = original.Select(e => e?.DeepClone()).ToList();
        foreach (var element in patch)
        {
            if (element is not JsonObject pe) throw Errors.BadRequest("invalid patch: expected a map in a list with merge key");
            var keyValue = pe[mergeKey];
            if (keyValue is null) throw Errors.BadRequest($"map: {pe.ToJson()} does not contain declared merge key: {mergeKey}");
            var index = items.FindIndex(i => i is JsonObject io && JsonTools.DeepEquals(io[mergeKey], keyValue));
            var directive = pe[PatchDirective] is { } d ? JsonTools.Display(d) : null;
            if (directive == "delete")
            {
                if (index >= 0) items.RemoveAt(index);
                continue;
            }
            if (index >= 0)
            {
                if (directive == "replace")
                {
                    items[index] = Clean(pe);
                }
                else
                {
                    items[index] = MergeMap((JsonObject)items[index]!, pe, schema.Items);
                }
            }
            else
            {
                items.Add(Clean(pe));
            }
        }
        var merged = new JsonArray();
        foreach (var i in items) merged.Add(i);
        return merged;
    }

    private static void Reorder(JsonArray list, JsonArray order, SchemaNode? schema)
    {
        var key = schema?.PatchMergeKey;
        var items = list.Select(e => e?.DeepClone()).ToList();
        int Rank(JsonNode? item)
        {
            for (var i = 0; i < order.Count; i++)
            {
                var probe = key is not null && item is JsonObject o && order[i] is JsonObject oo ? JsonTools.DeepEquals(o[key], oo[key]) : JsonTools.DeepEquals(item, order[i]);
                if (probe) return i;
            }
            return int.MaxValue;
        }
        var sorted = items.Select((item, idx) => (item, idx)).OrderBy(t => Rank(t.item)).ThenBy(t => t.idx).Select(t => t.item).ToList();
        list.Clear();
        foreach (var s in sorted) list.Add(s);
    }

    /// <summary>Removes patch directives from a value being inserted.</summary>
    private static JsonNode? Clean(JsonNode? value)
    {
        switch (value)
        {
            case JsonObject o:
                var result = new JsonObject();
                foreach (var (k, v) in o)
                {
                    if (k.StartsWith('$')) continue;
                    if (v is null) continue;
                    result[k] = Clean(v);
                }
                return result;
            case JsonArray a:
                var arr = new JsonArray();
                foreach (var e in a) arr.Add(Clean(e));
                return arr;
            default:
                return value?.DeepClone();
        }
    }
}
