using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Patching;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Selectors;

namespace Wild.Backup.Simulator.Api;

/// <summary>The <c>/scale</c> subresource: an autoscaling/v1 Scale view of spec/status replicas.</summary>
internal sealed partial class ClusterApi
{
    private static JsonObject ToScale(ResourceType type, JsonObject obj)
    {
        var scale = type.Scale!;
        var meta = obj.Obj("metadata") ?? new JsonObject();
        var scaleMeta = new JsonObject();
        foreach (var f in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (meta[f] is { } v) scaleMeta[f] = v.DeepClone();
        }
        var status = new JsonObject { ["replicas"] = obj.Long(scale.StatusReplicasPath) ?? 0 };
        if (scale.LabelSelectorPath is { } lsp)
        {
            if (obj.Str(lsp) is { } sel) status["selector"] = sel;
        }
        else if (obj.Get("spec", "selector") is JsonObject selector)
        {
            status["selector"] = LabelSelector.FromJson(selector).ToString();
        }
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = new JsonObject { ["replicas"] = obj.Long(scale.SpecReplicasPath) ?? 0 },
            ["status"] = status,
        };
    }

    private JsonObject ReplaceScale(ResourceType type, GroupVersionResource gvr, string? ns, string name, JsonObject scaleBody,
        WriteOptions options, RequestInfo info, string manager)
        => ScaleUpdate(type, gvr, ns, name, _ => scaleBody.CloneObject(), options, info, manager);

    private JsonObject PatchScale(ResourceType type, GroupVersionResource gvr, string? ns, string name, PatchType patchType, JsonNode? patch,
        WriteOptions options, RequestInfo info, string manager)
        => ScaleUpdate(type, gvr, ns, name, current => patchType switch
        {
            PatchType.Json => JsonPatch.Apply(current, patch),
            PatchType.Merge => JsonMergePatch.Apply(current, patch) as JsonObject ?? throw Errors.BadRequest("merge patch must be a JSON object"),
            _ => StrategicMergePatch.Apply(current, patch, null),
        }, options, info, manager);

    private JsonObject ScaleUpdate(ResourceType type, GroupVersionResource gvr, string? ns, string name, Func<JsonObject, JsonObject> produceScale,
        WriteOptions options, RequestInfo info, string manager)
    {
        var result = UpdateCore(type, gvr.Version, ns, name, current =>
        {
            var newScale = produceScale(ToScale(type, Output(current, type, gvr.Version)));
            var replicas = newScale.Get("spec", "replicas");
            if (replicas is null || replicas.Long() is not { } n)
            {
                throw Errors.Invalid("autoscaling", "Scale", name, [FieldError.Required("spec.replicas", "")]);
            }
            if (n < 0)
            {
                throw Errors.Invalid("autoscaling", "Scale", name, [FieldError.InvalidRaw("spec.replicas", n.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be greater than or equal to 0")]);
            }
            var updated = Output(current, type, gvr.Version);
            updated.Set(type.Scale!.SpecReplicasPath, n);
            var rv = newScale.Str("metadata", "resourceVersion");
            updated.Ensure("metadata")["resourceVersion"] = string.IsNullOrEmpty(rv) ? current.Str("metadata", "resourceVersion") : rv;
            return updated;
        }, null, options, info, manager, FieldsMode.RecordUpdate);
        return ToScale(type, result);
    }
}
