using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Validation;

/// <summary>ObjectMeta validation common to every kind (ValidateObjectMeta / ValidateObjectMetaUpdate).</summary>
internal static class MetadataValidation
{
    public static void ValidateName(NameRule rule, string name, List<FieldError> errors, string field = "metadata.name")
    {
        IEnumerable<string> problems = rule switch
        {
            NameRule.Label => NameRules.IsDns1123Label(name),
            NameRule.Dns1035Label => NameRules.IsDns1035Label(name),
            NameRule.PathSegment => NameRules.IsValidPathSegmentName(name),
            _ => NameRules.IsDns1123Subdomain(name),
        };
        foreach (var p in problems) errors.Add(FieldError.Invalid(field, name, p));
    }

    public static void Validate(ResourceType type, JsonObject obj, List<FieldError> errors)
    {
        var meta = obj.Obj("metadata") ?? new JsonObject();
        var name = meta.Str("name") ?? "";
        if (name.Length == 0)
        {
            errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            ValidateName(type.NameRule, name, errors);
        }

        if (meta.Get("generateName") is not null && meta.Str("generateName") is { Length: > 0 } gen && name.Length == 0)
        {
            ValidateName(type.NameRule, gen + "a", errors, "metadata.generateName");
        }

        ValidateLabels(meta.Get("labels"), "metadata.labels", errors);
        ValidateAnnotations(meta.Get("annotations"), errors);

        if (meta.Arr("finalizers") is { } finalizers)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < finalizers.Count; i++)
            {
                var f = JsonTools.Display(finalizers[i]);
                foreach (var p in NameRules.IsQualifiedName(f)) errors.Add(FieldError.Invalid($"metadata.finalizers[{i}]", f, p));
                if (!seen.Add(f)) errors.Add(FieldError.Duplicate($"metadata.finalizers[{i}]", f));
            }
        }

        if (meta.Arr("ownerReferences") is { } owners)
        {
            var controllers = 0;
            for (var i = 0; i < owners.Count; i++)
            {
                var o = owners[i] as JsonObject;
                var path = $"metadata.ownerReferences[{i}]";
                if (o is null) { errors.Add(FieldError.Invalid(path, null, "must be an object")); continue; }
                if (string.IsNullOrEmpty(o.Str("apiVersion"))) errors.Add(FieldError.Invalid(path + ".apiVersion", "", "version must not be empty"));
                if (string.IsNullOrEmpty(o.Str("kind"))) errors.Add(FieldError.Invalid(path + ".kind", "", "kind must not be empty"));
                if (string.IsNullOrEmpty(o.Str("name"))) errors.Add(FieldError.Invalid(path + ".name", "", "name must not be empty"));
                if (string.IsNullOrEmpty(o.Str("uid"))) errors.Add(FieldError.Invalid(path + ".uid", "", "uid must not be empty"));
                if (o.Bool("controller") == true) controllers++;
            }
            if (controllers > 1)
            {
                errors.Add(FieldError.Invalid("metadata.ownerReferences", null, "Only one reference can have Controller set to true"));
            }
        }
    }

    public static void ValidateLabels(JsonNode? labels, string field, List<FieldError> errors)
    {
        if (labels is not JsonObject o) return;
        foreach (var (k, v) in o)
        {
            foreach (var p in NameRules.IsQualifiedName(k)) errors.Add(FieldError.Invalid(field, k, p));
            if (v is not JsonValue jv || !jv.TryGetValue<string>(out var s))
            {
                errors.Add(FieldError.Invalid($"{field}", v.ToJson(), "label values must be strings"));
                continue;
            }
            foreach (var p in NameRules.IsValidLabelValue(s)) errors.Add(FieldError.Invalid(field, s, p));
        }
    }

    private static void ValidateAnnotations(JsonNode? annotations, List<FieldError> errors)
    {
        if (annotations is not JsonObject o) return;
        long total = 0;
        foreach (var (k, v) in o)
        {
            foreach (var p in NameRules.IsQualifiedName(k.ToLowerInvariant())) errors.Add(FieldError.Invalid("metadata.annotations", k, p));
            total += k.Length + (JsonTools.Display(v).Length);
        }
        if (total > 256 * 1024)
        {
            errors.Add(new FieldError("Too long", "metadata.annotations", null, "must have at most 262144 bytes"));
        }
    }

    /// <summary>Checks an update of metadata: namespace and name cannot change; label rules still apply.</summary>
    public static void ValidateUpdate(JsonObject newObj, JsonObject oldObj, List<FieldError> errors)
    {
        var newNs = newObj.Str("metadata", "namespace") ?? "";
        var oldNs = oldObj.Str("metadata", "namespace") ?? "";
        if (newNs != oldNs) errors.Add(FieldError.Invalid("metadata.namespace", newNs, "field is immutable"));
    }
}
