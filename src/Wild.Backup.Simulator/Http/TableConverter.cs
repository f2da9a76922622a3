using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Http;

/// <summary>
/// Server-side printing (<c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c>, as kubectl get
/// asks): the default table of the real server (Name, Created At), with PartialObjectMetadata rows.
/// </summary>
internal static class TableConverter
{
    public static bool Wanted(string? accept)
        => accept is not null && accept.Split(',').FirstOrDefault()?.Contains("as=Table", StringComparison.Ordinal) == true;

    public static JsonObject Convert(JsonObject listOrObject)
    {
        var isList = listOrObject["items"] is JsonArray;
        var items = isList ? listOrObject.Arr("items")!.OfType<JsonObject>().ToList() : [listOrObject];
        var rows = new JsonArray();
        foreach (var item in items)
        {
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray(item.Str("metadata", "name"), item.Str("metadata", "creationTimestamp")),
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = item["metadata"]?.DeepClone(),
                },
            });
        }
        var meta = new JsonObject();
        if (isList)
        {
            if (listOrObject.Str("metadata", "resourceVersion") is { } rv) meta["resourceVersion"] = rv;
            if (listOrObject.Str("metadata", "continue") is { } c) meta["continue"] = c;
        }
        else if (listOrObject.Str("metadata", "resourceVersion") is { } orv)
        {
            meta["resourceVersion"] = orv;
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = meta,
            ["columnDefinitions"] = new JsonArray(
                new JsonObject { ["name"] = "Name", ["type"] = "string", ["format"] = "name", ["description"] = "Name must be unique within a namespace.", ["priority"] = 0 },
                new JsonObject { ["name"] = "Created At", ["type"] = "date", ["format"] = "", ["description"] = "CreationTimestamp is a timestamp representing the server time when this object was created.", ["priority"] = 0 }),
            ["rows"] = rows,
        };
    }
}
