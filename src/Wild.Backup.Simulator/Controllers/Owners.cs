using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>ownerReferences helpers.</summary>
internal static class Owners
{
    /// <summary>A controller ownerReference (controller: true, blockOwnerDeletion: true) to <paramref name="owner"/>.</summary>
    public static JsonObject ControllerRef(JsonObject owner) => new()
    {
        ["apiVersion"] = owner.Str("apiVersion"),
        ["kind"] = owner.Str("kind"),
        ["name"] = owner.Str("metadata", "name"),
        ["uid"] = owner.Str("metadata", "uid"),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>The uid of the controlling owner, if any.</summary>
    public static string? ControllerUid(JsonObject obj)
        => obj.Arr("metadata", "ownerReferences")?.OfType<JsonObject>().FirstOrDefault(o => o.Bool("controller") == true)?.Str("uid");

    public static (string Kind, string Name)? Controller(JsonObject obj)
    {
        var r = obj.Arr("metadata", "ownerReferences")?.OfType<JsonObject>().FirstOrDefault(o => o.Bool("controller") == true);
        return r is null ? null : (r.Str("kind") ?? "", r.Str("name") ?? "");
    }

    public static bool IsControlledBy(JsonObject obj, JsonObject owner) => ControllerUid(obj) == owner.Str("metadata", "uid");
}
