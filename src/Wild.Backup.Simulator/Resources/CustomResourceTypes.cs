using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources.Kinds;

namespace Wild.Backup.Simulator.Resources;

/// <summary>Builds the served <see cref="ResourceType"/> of a CustomResourceDefinition.</summary>
internal static class CustomResourceTypes
{
    private static readonly CustomResourceStrategy Strategy = new();

    public static ResourceType FromCrd(JsonObject crd)
    {
        var spec = crd.Obj("spec") ?? new JsonObject();
        var names = spec.Obj("names") ?? new JsonObject();
        var versions = spec.Arr("versions")?.OfType<JsonObject>().ToList() ?? [];
        var served = versions.Where(v => v.Bool("served") == true).ToList();
        var storage = versions.FirstOrDefault(v => v.Bool("storage") == true) ?? versions.FirstOrDefault();
        var ordered = served.Select(v => v.Str("name")!).OrderByDescending(ResourceRegistry.VersionPriority).ToList();
        var schemas = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var v in versions)
        {
            if (v.Obj("schema", "openAPIV3Schema") is { } s && v.Str("name") is { } n) schemas[n] = s.CloneObject();
        }
        var subresources = storage?.Obj("subresources");
        ScaleSpec? scale = null;
        if (subresources?.Obj("scale") is { } sc)
        {
            scale = new ScaleSpec(Path(sc.Str("specReplicasPath")) ?? ["spec", "replicas"], Path(sc.Str("statusReplicasPath")) ?? ["status", "replicas"], Path(sc.Str("labelSelectorPath")));
        }
        var selectable = new Dictionary<string, Func<JsonObject, string>>();
        foreach (var f in storage?.Arr("selectableFields")?.OfType<JsonObject>() ?? [])
        {
            if (f.Str("jsonPath") is { } jp && Path(jp) is { } p)
            {
                selectable[jp.TrimStart('.')] = o => JsonTools.Display(o.Get(p)) is var d && d == "null" ? "" : JsonTools.Display(o.Get(p));
            }
        }
        var schema = CustomResourceSchema.ToMergeSchema(storage?.Obj("schema", "openAPIV3Schema"));
        schema.Fields["metadata"] = BuiltInSchemas.ObjectMeta();
        return new ResourceType
        {
            Group = spec.Str("group") ?? "",
            Versions = ordered.Count > 0 ? ordered : [storage?.Str("name") ?? "v1"],
            StorageVersionOverride = storage?.Str("name"),
            Kind = names.Str("kind") ?? "",
            Plural = names.Str("plural") ?? "",
            Singular = names.Str("singular") ?? (names.Str("kind") ?? "").ToLowerInvariant(),
            Namespaced = spec.Str("scope") != "Cluster",
            ShortNames = names.Arr("shortNames")?.Select(JsonTools.Display).ToList() ?? [],
            Categories = names.Arr("categories")?.Select(JsonTools.Display).ToList() ?? [],
            HasStatus = subresources?["status"] is not null,
            Scale = scale,
            TracksGeneration = true,
            ReturnDeletedObject = true,
            AllowUnconditionalUpdate = false,
            SupportsStrategicMerge = false,
            NameRule = NameRule.Subdomain,
            Schema = schema,
            Strategy = Strategy,
            IsCustom = true,
            CustomSchemas = schemas,
            SelectableFields = selectable,
        };
    }

    private static string[]? Path(string? jsonPath)
        => string.IsNullOrEmpty(jsonPath) ? null : jsonPath.TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
}
