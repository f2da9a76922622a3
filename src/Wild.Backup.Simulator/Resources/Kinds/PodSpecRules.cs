using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Validation;

namespace Wild.Backup.Simulator.Resources.Kinds;

/// <summary>Defaulting and validation of a PodSpec, shared by Pods and every pod template.</summary>
internal static class PodSpecRules
{
    /// <summary>SetDefaults_PodSpec and container defaults (applies to templates too).</summary>
    public static void ApplyDefaults(JsonObject spec)
    {
        SetDefault(spec, "restartPolicy", "Always");
        SetDefault(spec, "dnsPolicy", "ClusterFirst");
        SetDefault(spec, "schedulerName", "default-scheduler");
        SetDefault(spec, "terminationGracePeriodSeconds", 30);
        SetDefault(spec, "securityContext", new JsonObject());
        SetDefault(spec, "enableServiceLinks", true);
        foreach (var list in new[] { "containers", "initContainers" })
        {
            if (spec[list] is not JsonArray containers) continue;
            foreach (var c in containers.OfType<JsonObject>())
            {
                SetDefault(c, "terminationMessagePath", "/dev/termination-log");
                SetDefault(c, "terminationMessagePolicy", "File");
                SetDefault(c, "resources", new JsonObject());
                if (c["imagePullPolicy"] is null && c.Str("image") is { } image)
                {
                    c["imagePullPolicy"] = ImageTag(image) is null or "latest" ? "Always" : "IfNotPresent";
                }
                if (c["ports"] is JsonArray ports)
                {
                    foreach (var p in ports.OfType<JsonObject>()) SetDefault(p, "protocol", "TCP");
                }
            }
        }
        if (spec["volumes"] is JsonArray volumes)
        {
            foreach (var v in volumes.OfType<JsonObject>())
            {
                if (v["configMap"] is JsonObject cm) SetDefault(cm, "defaultMode", 420);
                if (v["secret"] is JsonObject s) SetDefault(s, "defaultMode", 420);
                if (v["projected"] is JsonObject pr) SetDefault(pr, "defaultMode", 420);
            }
        }
    }

    /// <summary>The tag of an image reference, or null when it has none (digests count as tagged).</summary>
    private static string? ImageTag(string image)
    {
        if (image.Contains('@')) return "digest";
        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > lastSlash ? image[(colon + 1)..] : null;
    }

    /// <summary>ValidatePodSpec (the parts users hit). <paramref name="isPod"/> adds the pod-only rules (image required).</summary>
    public static void Validate(JsonObject? spec, string path, bool isPod, List<FieldError> errors, IReadOnlyCollection<string>? allowedRestartPolicies = null,
        IEnumerable<string>? extraVolumeNames = null)
    {
        if (spec is null)
        {
            errors.Add(FieldError.Required(path, ""));
            return;
        }
        var volumeNames = new HashSet<string>(extraVolumeNames ?? [], StringComparer.Ordinal);
        if (spec["volumes"] is JsonArray volumes)
        {
            for (var i = 0; i < volumes.Count; i++)
            {
                var name = volumes[i].Str("name") ?? "";
                var vpath = $"{path}.volumes[{i}].name";
                if (name.Length == 0) errors.Add(FieldError.Required(vpath, ""));
                else
                {
                    foreach (var p in NameRules.IsDns1123Label(name)) errors.Add(FieldError.Invalid(vpath, name, p));
                    if (!volumeNames.Add(name)) errors.Add(FieldError.Duplicate(vpath, name));
                }
            }
        }

        var containers = spec["containers"] as JsonArray;
        if (containers is null || containers.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.containers", ""));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in new[] { "initContainers", "containers" })
        {
            if (spec[list] is not JsonArray arr) continue;
            for (var i = 0; i < arr.Count; i++)
            {
                var c = arr[i] as JsonObject ?? new JsonObject();
                var cpath = $"{path}.{list}[{i}]";
                var name = c.Str("name") ?? "";
                if (name.Length == 0) errors.Add(FieldError.Required(cpath + ".name", ""));
                else
                {
                    foreach (var p in NameRules.IsDns1123Label(name)) errors.Add(FieldError.Invalid(cpath + ".name", name, p));
                    if (!names.Add(name)) errors.Add(FieldError.Duplicate(cpath + ".name", name));
                }
                if (isPod && string.IsNullOrEmpty(c.Str("image"))) errors.Add(FieldError.Required(cpath + ".image", ""));
                if (c["ports"] is JsonArray ports)
                {
                    for (var j = 0; j < ports.Count; j++)
                    {
                        var port = ports[j].Long("containerPort");
                        if (port is null) errors.Add(FieldError.Required($"{cpath}.ports[{j}].containerPort", ""));
                        else if (port < 1 || port > 65535) errors.Add(FieldError.InvalidRaw($"{cpath}.ports[{j}].containerPort", port.ToString()!, "must be between 1 and 65535, inclusive"));
                    }
                }
                if (c["volumeMounts"] is JsonArray mounts)
                {
                    for (var j = 0; j < mounts.Count; j++)
                    {
                        var mname = mounts[j].Str("name") ?? "";
                        if (!volumeNames.Contains(mname)) errors.Add(new FieldError("Not found", $"{cpath}.volumeMounts[{j}].name", mname, ""));
                        if (string.IsNullOrEmpty(mounts[j].Str("mountPath"))) errors.Add(FieldError.Required($"{cpath}.volumeMounts[{j}].mountPath", ""));
                    }
                }
            }
        }

        var restart = spec.Str("restartPolicy");
        var allowed = allowedRestartPolicies ?? ["Always", "OnFailure", "Never"];
        if (restart is not null && !allowed.Contains(restart))
        {
            errors.Add(FieldError.NotSupported($"{path}.restartPolicy", restart, allowed));
        }
        if (spec.Str("dnsPolicy") is { } dns && dns is not ("ClusterFirst" or "ClusterFirstWithHostNet" or "Default" or "None"))
        {
            errors.Add(FieldError.NotSupported($"{path}.dnsPolicy", dns, ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"]));
        }
    }

    /// <summary>Go's %v rendering of a string map, as used in selector/label mismatch messages.</summary>
    public static string GoMap(JsonNode? map)
    {
        var pairs = map.StringMap().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":\"{p.Value}\"");
        return "map[string]string{" + string.Join(", ", pairs) + "}";
    }

    private static void SetDefault(JsonObject obj, string name, JsonNode value)
    {
        if (obj[name] is null) obj[name] = value;
    }
}
