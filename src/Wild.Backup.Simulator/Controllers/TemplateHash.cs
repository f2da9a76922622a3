using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>pod-template-hash / controller-revision-hash: FNV-1a of the template, encoded with Kubernetes' safe alphabet.</summary>
internal static class TemplateHash
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(JsonNode? template, long? collisionCount = null)
    {
        var bytes = Encoding.UTF8.GetBytes(Canonical(template).ToJson() + (collisionCount is { } c ? c.ToString(CultureInfo.InvariantCulture) : ""));
        uint hash = 2166136261;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619;
        }
        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        foreach (var ch in digits) sb.Append(Alphabet[ch % Alphabet.Length]);
        return sb.ToString();
    }

    /// <summary>Sorts object keys so equal templates hash equally regardless of field order.</summary>
    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Canonical(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        _ => node?.DeepClone(),
    };

    /// <summary>A template without the given label (to compare templates ignoring the hash label).</summary>
    public static JsonObject WithoutLabel(JsonObject? template, string label)
    {
        var copy = template?.CloneObject() ?? new JsonObject();
        copy.Obj("metadata", "labels")?.Remove(label);
        if (copy.Obj("metadata", "labels") is { Count: 0 }) copy.Obj("metadata")!.Remove("labels");
        return copy;
    }
}
