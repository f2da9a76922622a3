using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Apply;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Patching;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Api;

internal sealed partial class ClusterApi
{
    public static readonly string[] PatchMediaTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml", "application/strategic-merge-patch+json"];

    private static readonly string[] CustomResourcePatchMediaTypes =
        ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];

    public JsonObject Patch(GroupVersionResource gvr, string? ns, string name, PatchType patchType, string patchText, string? subresource,
        WriteOptions options, RequestInfo info)
    {
        var type = Resolve(gvr);
        var subresourceOk = subresource switch
        {
            null => true,
            "status" => type.HasStatus,
            "scale" => type.Scale is not null,
            _ => false,
        };
        if (!subresourceOk) throw Errors.UnknownPath();
        if (patchType == PatchType.StrategicMerge && !type.SupportsStrategicMerge)
        {
            throw Errors.UnsupportedMediaType(CustomResourcePatchMediaTypes);
        }
        if (options.Force is not null && patchType != PatchType.Apply)
        {
            throw Errors.Invalid("meta.k8s.io", "PatchOptions", "", [FieldError.Forbidden("force", "may not be specified for non-apply patch")]);
        }
        if (patchType == PatchType.Apply) return ApplyPatch(type, gvr.Version, ns, name, patchText, subresource, options, info);

        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(patchText);
        }
        catch (JsonException e)
        {
            throw Errors.BadRequest($"error decoding patch: {e.Message}");
        }
        var manager = options.FieldManager ?? info.DefaultManager;
        if (subresource == "scale") return PatchScale(type, gvr, ns, name, patchType, patch, options, info, manager);

        return UpdateCore(type, gvr.Version, ns, name, current => ApplyPatchDocument(type, Output(current, type, gvr.Version), patchType, patch),
            subresource, options, info, manager, FieldsMode.RecordUpdate);
    }

    private static JsonObject ApplyPatchDocument(ResourceType type, JsonObject target, PatchType patchType, JsonNode? patch) => patchType switch
    {
        PatchType.Json => JsonPatch.Apply(target, patch),
        PatchType.Merge => JsonMergePatch.Apply(target, patch) as JsonObject ?? throw Errors.BadRequest("merge patch must be a JSON object"),
        PatchType.StrategicMerge => StrategicMergePatch.Apply(target, patch, type.Schema),
        _ => throw Errors.UnsupportedMediaType(PatchMediaTypes),
    };

    /// <summary>Server-side apply (<c>application/apply-patch+yaml</c>), creating the object when it does not exist.</summary>
    private JsonObject ApplyPatch(ResourceType type, string version, string? ns, string name, string text, string? subresource,
        WriteOptions options, RequestInfo info)
    {
        var manager = options.FieldManager;
        if (string.IsNullOrEmpty(manager))
        {
            throw Errors.Invalid("meta.k8s.io", "PatchOptions", "", [FieldError.Required("fieldManager", "is required for apply patch")]);
        }
        if (subresource is "scale") throw Errors.UnsupportedMediaType(["application/json-patch+json", "application/merge-patch+json"]);
        var config = YamlJson.Parse(text) as JsonObject ?? throw Errors.BadRequest("error decoding YAML: the apply configuration must be an object");
        if (string.IsNullOrEmpty(config.Str("kind")))
        {
            throw Errors.BadRequest($"Object 'Kind' is missing in '{text.Trim()}'");
        }
        if (string.IsNullOrEmpty(config.Str("apiVersion")))
        {
            throw Errors.BadRequest($"Object 'apiVersion' is missing in '{text.Trim()}'");
        }
        CheckKind(config, type, version);
        var meta = config.Ensure("metadata");
        if (string.IsNullOrEmpty(meta.Str("name"))) meta["name"] = name;
        if (meta.Str("name") != name)
        {
            throw Errors.BadRequest($"the name of the object ({meta.Str("name")}) does not match the name on the URL ({name})");
        }
        if (type.Namespaced && string.IsNullOrEmpty(meta.Str("namespace"))) meta["namespace"] = ns;
        var apiVersion = type.ApiVersion(version);
        var force = options.Force == true;
        var fieldsSubresource = subresource == "status" ? "status" : null;

        Func<JsonObject>? create = subresource is null
            ? () =>
            {
                var merged = ManagedFields.Apply(null, config, type, manager, apiVersion, null, force, rt.Now);
                info.StatusCode = 201;
                return CreateCore(type, version, ns, merged, options, info, manager, managedFieldsDone: true);
            }
            : null;

        return UpdateCore(type, version, ns, name, current =>
        {
            var live = Output(current, type, version);
            var merged = ManagedFields.Apply(live, config, type, manager, apiVersion, fieldsSubresource, force, rt.Now);
            merged.Ensure("metadata")["resourceVersion"] = config.Str("metadata", "resourceVersion") ?? current.Str("metadata", "resourceVersion");
            return merged;
        }, subresource, options, info, manager, FieldsMode.Applied, create);
    }
}
