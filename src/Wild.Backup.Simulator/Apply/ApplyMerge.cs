using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Apply;

/// <summary>
/// Merges an apply configuration into the live object using the merge schema: objects merge field
/// by field (unless atomic), associative lists merge element by element on their keys, sets are
/// unions, everything else is replaced by the configuration's value.
/// </summary>
internal static class ApplyMerge
{
    public static JsonObject Merge(JsonObject? live, JsonObject config, SchemaNode? schema)
        => (JsonObject)MergeNode(live, config, schema)!;

    private static JsonNode? MergeNode(JsonNode? live, JsonNode? config, SchemaNode? schema)
    {
        switch (config)
        {
            case JsonObject co when live is JsonObject lo && schema is not { AtomicObject: true }:
                {
                    var result = (JsonObject)lo.DeepClone();
                    foreach (var (k, v) in co)
                    {
                        result[k] = MergeNode(lo[k], v, schema?.Field(k));
                    }
                    return result;
                }
            case JsonArray ca when live is JsonArray la && schema is { ListType: ListType.Map }:
                {
                    var result = la.Select(e => e?.DeepClone()).ToList();
                    foreach (var item in ca)
                    {
                        var key = FieldSet.KeyElement(item, schema);
                        var index = result.FindIndex(r => FieldSet.KeyElement(r, schema) == key);
                        if (index >= 0)
                        {
                            result[index] = MergeNode(result[index], item, schema.Items);
                        }
                        else
                        {
                            result.Add(item?.DeepClone());
                        }
                    }
                    var arr = new JsonArray();
                    foreach (var r in result) arr.Add(r);
                    return arr;
                }
            case JsonArray ca when live is JsonArray la && schema is { ListType: ListType.Set }:
                {
                    var arr = new JsonArray();
                    foreach (var e in la) arr.Add(e?.DeepClone());
                    foreach (var e in ca)
                    {
                        if (!arr.Any(x => JsonTools.DeepEquals(x, e))) arr.Add(e?.DeepClone());
                    }
                    return arr;
                }
            default:
                return config?.DeepClone();
        }
    }
}
