using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Resources.Kinds;

/// <summary>Pods: defaults and admission (service account, default tolerations), Pending status and QoS class, spec immutability.</summary>
internal sealed class PodStrategy : ResourceStrategy
{
    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        if (obj["spec"] is JsonObject spec) PodSpecRules.ApplyDefaults(spec);
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        // ServiceAccount admission.
        if (spec.Str("serviceAccountName") is null or "") spec["serviceAccountName"] = spec.Str("serviceAccount") ?? "default";
        spec["serviceAccount"] = spec.Str("serviceAccountName");
        // Priority and DefaultTolerationSeconds admission.
        if (spec["priority"] is null) spec["priority"] = 0;
        if (spec["preemptionPolicy"] is null) spec["preemptionPolicy"] = "PreemptLowerPriority";
        var tolerations = spec["tolerations"] as JsonArray ?? new JsonArray();
        foreach (var key in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            if (!tolerations.OfType<JsonObject>().Any(t => t.Str("key") == key))
            {
                tolerations.Add(new JsonObject { ["key"] = key, ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 });
            }
        }
        spec["tolerations"] = tolerations;
        obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(spec) };
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
        => PodSpecRules.Validate(obj.Obj("spec"), "spec", isPod: true, errors);

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        // Only images, activeDeadlineSeconds, added tolerations and terminationGracePeriodSeconds may change.
        var a = (obj.Obj("spec") ?? new JsonObject()).CloneObject();
        var b = (old.Obj("spec") ?? new JsonObject()).CloneObject();
        foreach (var s in new[] { a, b })
        {
            foreach (var list in new[] { "containers", "initContainers" })
            {
                if (s[list] is JsonArray cs)
                {
                    foreach (var c in cs.OfType<JsonObject>()) c.Remove("image");
                }
            }
            s.Remove("activeDeadlineSeconds");
            s.Remove("terminationGracePeriodSeconds");
            s.Remove("tolerations");
        }
        if (!JsonTools.DeepEquals(a, b))
        {
            errors.Add(FieldError.Forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"));
        }
        var oldTolerations = old.Arr("spec", "tolerations") ?? new JsonArray();
        var newTolerations = obj.Arr("spec", "tolerations") ?? new JsonArray();
        if (oldTolerations.Any(t => !newTolerations.Any(n => JsonTools.DeepEquals(n, t))))
        {
            errors.Add(FieldError.Forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"));
        }
    }

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;

    private static string QosClass(JsonObject spec)
    {
        var containers = spec.Arr("containers")?.OfType<JsonObject>().ToList() ?? [];
        var any = false;
        var guaranteed = containers.Count > 0;
        foreach (var c in containers)
        {
            var requests = c.Obj("resources", "requests");
            var limits = c.Obj("resources", "limits");
            if ((requests?.Count ?? 0) > 0 || (limits?.Count ?? 0) > 0) any = true;
            foreach (var r in new[] { "cpu", "memory" })
            {
                var limit = limits.Str(r);
                var request = requests.Str(r) ?? limit;
                if (limit is null || Quantity.Parse(limit) != Quantity.Parse(request)) guaranteed = false;
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }
}
