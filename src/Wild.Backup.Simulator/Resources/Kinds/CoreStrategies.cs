using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Validation;

namespace Wild.Backup.Simulator.Resources.Kinds;

/// <summary>Namespaces: the "kubernetes" finalizer, phase Active, the kubernetes.io/metadata.name label.</summary>
internal sealed class NamespaceStrategy : ResourceStrategy
{
    public const string NameLabel = "kubernetes.io/metadata.name";

    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var name = obj.Str("metadata", "name");
        if (!string.IsNullOrEmpty(name)) obj.Ensure("metadata", "labels")[NameLabel] = name;
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
        obj["status"] = new JsonObject { ["phase"] = "Active" };
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old, StrategyContext ctx)
    {
        // spec.finalizers only change through the /finalize subresource.
        if (ctx.Subresource != "finalize") obj["spec"] = old["spec"]?.DeepClone();
    }

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;
}

/// <summary>ConfigMaps: key rules and <c>immutable: true</c>.</summary>
internal sealed class ConfigMapStrategy : ResourceStrategy
{
    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in new[] { "data", "binaryData" })
        {
            if (obj[section] is not JsonObject data) continue;
            foreach (var (k, v) in data)
            {
                foreach (var p in NameRules.IsConfigMapKey(k)) errors.Add(FieldError.Invalid($"{section}[{k}]", k, p));
                if (!keys.Add(k)) errors.Add(FieldError.Invalid($"{section}[{k}]", k, "duplicate of key present in " + (section == "data" ? "binaryData" : "data")));
                if (section == "binaryData" && v is JsonValue bv && bv.TryGetValue<string>(out var b64) && !IsBase64(b64))
                {
                    throw Errors.BadRequest($"ConfigMap in version \"v1\" cannot be handled as a ConfigMap: illegal base64 data at input byte 0");
                }
            }
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
        => ImmutableData.Check(obj, old, ["data", "binaryData"], errors);

    internal static bool IsBase64(string s)
    {
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out _);
    }
}

/// <summary>Secrets: stringData merged into data (base64), type default and immutability, type-specific keys.</summary>
internal sealed class SecretStrategy : ResourceStrategy
{
    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        if (obj["type"] is null) obj["type"] = "Opaque";
        if (obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? new JsonObject();
            foreach (var (k, v) in stringData)
            {
                data[k] = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonTools.Display(v)));
            }
            obj["data"] = data;
            obj.Remove("stringData");
        }
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        if (obj["data"] is JsonObject data)
        {
            foreach (var (k, v) in data)
            {
                foreach (var p in NameRules.IsConfigMapKey(k)) errors.Add(FieldError.Invalid($"data[{k}]", k, p));
                if (v is JsonValue jv && jv.TryGetValue<string>(out var s) && !ConfigMapStrategy.IsBase64(s))
                {
                    throw Errors.BadRequest("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 0");
                }
            }
        }
        var type = obj.Str("type");
        string[] required = type switch
        {
            "kubernetes.io/tls" => ["tls.crt", "tls.key"],
            "kubernetes.io/dockerconfigjson" => [".dockerconfigjson"],
            "kubernetes.io/basic-auth" => [],
            "kubernetes.io/ssh-auth" => ["ssh-privatekey"],
            _ => [],
        };
        foreach (var key in required)
        {
            if (obj.Get("data", key) is null) errors.Add(FieldError.Required($"data[{key}]", ""));
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        Immutable(obj["type"], old["type"], "type", errors);
        ImmutableData.Check(obj, old, ["data"], errors);
    }
}

/// <summary>The <c>immutable: true</c> rule of ConfigMaps and Secrets.</summary>
internal static class ImmutableData
{
    public static void Check(JsonObject obj, JsonObject old, string[] sections, List<FieldError> errors)
    {
        if (old.Bool("immutable") != true) return;
        if (obj.Bool("immutable") != true)
        {
            errors.Add(FieldError.Forbidden("immutable", "field is immutable when `immutable` is set"));
        }
        foreach (var s in sections)
        {
            if (!JsonTools.DeepEquals(obj[s], old[s]))
            {
                errors.Add(FieldError.Forbidden(s, "field is immutable when `immutable` is set"));
            }
        }
    }
}

/// <summary>Nodes: cluster-scoped, status accepted on create.</summary>
internal sealed class NodeStrategy : ResourceStrategy
{
    public override bool KeepStatusOnCreate => true;

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;
}

/// <summary>Events: path-segment names; involvedObject namespace must match.</summary>
internal sealed class EventStrategy : ResourceStrategy
{
    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var ns = obj.Str("metadata", "namespace") ?? "";
        var involvedNs = obj.Str("involvedObject", "namespace") ?? "";
        if (involvedNs.Length > 0 && involvedNs != ns)
        {
            errors.Add(FieldError.Invalid("involvedObject.namespace", involvedNs, "does not match event.namespace"));
        }
        if (obj.Obj("involvedObject") is null) errors.Add(FieldError.Required("involvedObject", ""));
    }

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;
}

/// <summary>StorageClasses: defaults and the immutable provisioner/parameters/reclaimPolicy/volumeBindingMode.</summary>
internal sealed class StorageClassStrategy : ResourceStrategy
{
    public const string DefaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";

    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        SetDefault(obj, "reclaimPolicy", "Delete");
        SetDefault(obj, "volumeBindingMode", "Immediate");
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        if (string.IsNullOrEmpty(obj.Str("provisioner"))) errors.Add(FieldError.Required("provisioner", ""));
        if (obj.Str("reclaimPolicy") is { } rp && rp is not ("Delete" or "Retain"))
        {
            errors.Add(FieldError.NotSupported("reclaimPolicy", rp, ["Delete", "Retain"]));
        }
        if (obj.Str("volumeBindingMode") is { } mode && mode is not ("Immediate" or "WaitForFirstConsumer"))
        {
            errors.Add(FieldError.NotSupported("volumeBindingMode", mode, ["Immediate", "WaitForFirstConsumer"]));
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        if (!JsonTools.DeepEquals(obj["parameters"], old["parameters"]))
        {
            errors.Add(FieldError.Forbidden("parameters", "updates to parameters are forbidden."));
        }
        if (obj.Str("provisioner") != old.Str("provisioner"))
        {
            errors.Add(FieldError.Forbidden("provisioner", "updates to provisioner are forbidden."));
        }
        if (obj.Str("reclaimPolicy") != old.Str("reclaimPolicy"))
        {
            errors.Add(FieldError.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
        }
        Immutable(obj["volumeBindingMode"], old["volumeBindingMode"], "volumeBindingMode", errors);
    }

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;
}

/// <summary>networking.k8s.io/v1 Ingress: pathType and path rules, backend required.</summary>
internal sealed class IngressStrategy : ResourceStrategy
{
    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx) => obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var spec = obj.Obj("spec");
        var rules = spec?.Arr("rules");
        if (spec?["defaultBackend"] is null && (rules is null || rules.Count == 0))
        {
            errors.Add(FieldError.InvalidRaw("spec", "{}", "either `defaultBackend` or `rules` must be specified"));
        }
        if (rules is null) return;
        for (var i = 0; i < rules.Count; i++)
        {
            var host = rules[i].Str("host");
            if (!string.IsNullOrEmpty(host))
            {
                var h = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
                foreach (var p in NameRules.IsDns1123Subdomain(h)) errors.Add(FieldError.Invalid($"spec.rules[{i}].host", host, p));
            }
            if (rules[i].Arr("http", "paths") is not { } paths) continue;
            for (var j = 0; j < paths.Count; j++)
            {
                var pp = $"spec.rules[{i}].http.paths[{j}]";
                var type = paths[j].Str("pathType");
                var path = paths[j].Str("path");
                if (type is null) errors.Add(FieldError.Required(pp + ".pathType", "pathType must be specified"));
                else if (type is not ("Exact" or "Prefix" or "ImplementationSpecific")) errors.Add(FieldError.NotSupported(pp + ".pathType", type, ["Exact", "ImplementationSpecific", "Prefix"]));
                else if (type is "Exact" or "Prefix" && (path is null || !path.StartsWith('/'))) errors.Add(FieldError.Invalid(pp + ".path", path ?? "", "must be an absolute path"));
                var backend = paths[j].Obj("backend");
                if (backend?["service"] is null && backend?["resource"] is null) errors.Add(FieldError.InvalidRaw(pp + ".backend", "{}", "one backend must be specified"));
                if (backend?.Obj("service") is { } svc && string.IsNullOrEmpty(svc.Str("name"))) errors.Add(FieldError.Required(pp + ".backend.service.name", ""));
            }
        }
    }
}
