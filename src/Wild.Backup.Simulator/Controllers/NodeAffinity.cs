using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>Evaluates a pod's nodeSelector and required node affinity against a Node (scheduler predicates).</summary>
internal static class NodeAffinity
{
    public static bool Fits(JsonObject pod, JsonObject node)
    {
        var labels = node.Get("metadata", "labels").StringMap();
        foreach (var (k, v) in pod.Get("spec", "nodeSelector").StringMap())
        {
            if (!labels.TryGetValue(k, out var actual) || actual != v) return false;
        }
        var terms = pod.Arr("spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
        if (terms is null || terms.Count == 0) return true;
        var name = node.Str("metadata", "name") ?? "";
        return terms.OfType<JsonObject>().Any(t => TermMatches(t, labels, name));
    }

    private static bool TermMatches(JsonObject term, Dictionary<string, string> labels, string nodeName)
    {
        var exprs = term.Arr("matchExpressions")?.OfType<JsonObject>().ToList() ?? [];
        var fields = term.Arr("matchFields")?.OfType<JsonObject>().ToList() ?? [];
        if (exprs.Count == 0 && fields.Count == 0) return false;
        foreach (var e in exprs)
        {
            if (!Requirement(e, labels.TryGetValue(e.Str("key") ?? "", out var v) ? v : null)) return false;
        }
        foreach (var f in fields)
        {
            if (f.Str("key") != "metadata.name" || !Requirement(f, nodeName)) return false;
        }
        return true;
    }

    private static bool Requirement(JsonObject r, string? value)
    {
        var values = r.Arr("values")?.Select(JsonTools.Display).ToList() ?? [];
        return r.Str("operator") switch
        {
            "In" => value is not null && values.Contains(value),
            "NotIn" => value is null || !values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var a) && values.Count == 1 && long.TryParse(values[0], out var b) && a > b,
            "Lt" => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) && values.Count == 1 && long.TryParse(values[0], out var d) && c < d,
            _ => false,
        };
    }

    /// <summary>True when the node's taints are all tolerated by the pod (NoSchedule/NoExecute only).</summary>
    public static bool Tolerates(JsonObject pod, JsonObject node)
    {
        var tolerations = pod.Arr("spec", "tolerations")?.OfType<JsonObject>().ToList() ?? [];
        foreach (var taint in node.Arr("spec", "taints")?.OfType<JsonObject>() ?? [])
        {
            var effect = taint.Str("effect");
            if (effect is not ("NoSchedule" or "NoExecute")) continue;
            var key = taint.Str("key");
            var tolerated = tolerations.Any(t =>
                (t.Str("effect") is null or "" || t.Str("effect") == effect)
                && (t.Str("operator") == "Exists" ? (t.Str("key") is null or "" || t.Str("key") == key) : t.Str("key") == key && (t.Str("value") ?? "") == (taint.Str("value") ?? "")));
            if (!tolerated) return false;
        }
        return true;
    }
}
