using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Validation;

namespace Wild.Backup.Simulator.Resources.Kinds;

/// <summary>CustomResourceDefinition objects (apiextensions.k8s.io/v1).</summary>
internal sealed class CrdStrategy : ResourceStrategy
{
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        var names = spec.Ensure("names");
        if (names.Str("kind") is { } kind)
        {
            SetDefault(names, "singular", kind.ToLowerInvariant());
            SetDefault(names, "listKind", kind + "List");
        }
        SetDefault(spec, "conversion", new JsonObject { ["strategy"] = "None" });
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        var storage = obj.Arr("spec", "versions")?.OfType<JsonObject>().FirstOrDefault(v => v.Bool("storage") == true)?.Str("name");
        obj["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(),
            ["acceptedNames"] = new JsonObject { ["plural"] = "", ["kind"] = "" },
            ["storedVersions"] = storage is null ? new JsonArray() : new JsonArray(storage),
        };
        PvcStrategy.AddFinalizer(obj, CleanupFinalizer);
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var group = spec.Str("group") ?? "";
        var plural = spec.Str("names", "plural") ?? "";
        if (group.Length == 0) errors.Add(FieldError.Required("spec.group", ""));
        else if (!group.Contains('.')) errors.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
        if (plural.Length == 0) errors.Add(FieldError.Required("spec.names.plural", ""));
        else foreach (var p in NameRules.IsDns1035Label(plural)) errors.Add(FieldError.Invalid("spec.names.plural", plural, p));
        if (string.IsNullOrEmpty(spec.Str("names", "kind"))) errors.Add(FieldError.Required("spec.names.kind", ""));
        var name = obj.Str("metadata", "name") ?? "";
        if (plural.Length > 0 && group.Length > 0 && name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }
        var scope = spec.Str("scope");
        if (scope is not ("Namespaced" or "Cluster")) errors.Add(FieldError.NotSupported("spec.scope", scope ?? "", ["Cluster", "Namespaced"]));
        var versions = spec.Arr("versions");
        if (versions is null || versions.Count == 0)
        {
            errors.Add(FieldError.InvalidRaw("spec.versions", "null", "must have exactly one version marked as storage version"));
            return;
        }
        if (versions.Count(v => v.Bool("storage") == true) != 1)
        {
            errors.Add(FieldError.InvalidRaw("spec.versions", versions.ToJson(), "must have exactly one version marked as storage version"));
        }
        for (var i = 0; i < versions.Count; i++)
        {
            if (string.IsNullOrEmpty(versions[i].Str("name"))) errors.Add(FieldError.Required($"spec.versions[{i}].name", ""));
            if (versions[i].Obj("schema", "openAPIV3Schema") is null)
            {
                errors.Add(FieldError.Required($"spec.versions[{i}].schema.openAPIV3Schema", "schemas are required"));
            }
            if (versions[i].Bool("served") is null) errors.Add(FieldError.Required($"spec.versions[{i}].served", ""));
            if (versions[i].Bool("storage") is null) errors.Add(FieldError.Required($"spec.versions[{i}].storage", ""));
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        Immutable(obj.Get("spec", "scope"), old.Get("spec", "scope"), "spec.scope", errors);
        Immutable(obj.Get("spec", "group"), old.Get("spec", "group"), "spec.group", errors);
        Immutable(obj.Get("spec", "names", "plural"), old.Get("spec", "names", "plural"), "spec.names.plural", errors);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old, StrategyContext ctx)
    {
        // A new storage version is added to status.storedVersions (as the real strategy does).
        var storage = obj.Arr("spec", "versions")?.OfType<JsonObject>().FirstOrDefault(v => v.Bool("storage") == true)?.Str("name");
        if (storage is not null && obj.Obj("status") is { } status)
        {
            var stored = status["storedVersions"] as JsonArray ?? new JsonArray();
            if (!stored.Any(s => JsonTools.Display(s) == storage)) stored.Add(storage);
            status["storedVersions"] = stored;
        }
    }
}

/// <summary>Objects of a CRD-defined kind: structural schema pruning, defaults and validation.</summary>
internal sealed class CustomResourceStrategy : ResourceStrategy
{
    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var schema = Schema(obj, ctx);
        CustomResourceSchema.Prune(obj, schema);
        CustomResourceSchema.ApplyDefaults(obj, schema);
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
        => CustomResourceSchema.Validate(obj, Schema(obj, ctx), "", errors, isRoot: true);

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx)
    {
        // Without a status subresource every non-metadata change bumps generation.
        var keys = new HashSet<string>(obj.Select(p => p.Key).Concat(old.Select(p => p.Key)));
        keys.ExceptWith(["metadata", "apiVersion", "kind"]);
        if (ctx.Type.HasStatus) keys.Remove("status");
        return keys.Any(k => !JsonTools.DeepEquals(obj[k], old[k]));
    }

    private static JsonObject? Schema(JsonObject obj, StrategyContext ctx)
    {
        if (ctx.Type.CustomSchemas is not { } schemas) return null;
        var apiVersion = obj.Str("apiVersion") ?? "";
        var version = apiVersion.Contains('/') ? apiVersion[(apiVersion.IndexOf('/') + 1)..] : apiVersion;
        return schemas.TryGetValue(version, out var s) ? s : schemas.Values.FirstOrDefault();
    }
}
