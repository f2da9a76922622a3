using System.Text.Json.Nodes;

namespace Wild.Backup.Core.Kubernetes.Kustomize;

/// <summary>
/// Kustomize's field spec: a path into objects of a kind (group, version and kind optional; empty matches any), like
/// <c>spec/template/metadata/labels</c>. Lists met on the way are walked element by element (<c>name[]</c> spells it
/// out). With <see cref="Create"/>, missing maps are created; otherwise only existing fields are touched.
/// </summary>
internal sealed record FieldSpec(string Path, string? Kind = null, string? Group = null, string? Version = null, bool Create = false)
{
    public bool Applies(JsonObject o)
    {
        if (Kind is not null && o.Kind() != Kind) return false;
        var apiVersion = o.ApiVersion();
        if (Group is not null && KubeJson.GroupOf(apiVersion) != Group) return false;
        if (Version is not null && KubeJson.VersionOf(apiVersion) != Version) return false;
        return true;
    }

    /// <summary>Calls <paramref name="visit"/> with each (parent, key) the path reaches in <paramref name="o"/>.</summary>
    public void Visit(JsonObject o, Action<JsonObject, string> visit)
    {
        if (!Applies(o)) return;
        var segments = Path.Split('/').Select(s => s.EndsWith("[]", StringComparison.Ordinal) ? s[..^2] : s).ToArray();
        Walk(o, segments, 0, visit);
    }

    private void Walk(JsonNode? node, string[] segments, int i, Action<JsonObject, string> visit)
    {
        if (node is JsonArray array)
        {
            foreach (var item in array.ToList()) Walk(item, segments, i, visit);
            return;
        }
        if (node is not JsonObject obj) return;
        var key = segments[i];
        if (i == segments.Length - 1)
        {
            if (obj.ContainsKey(key) || Create) visit(obj, key);
            return;
        }
        if (!obj.TryGetPropertyValue(key, out var next) || next is null)
        {
            if (!Create) return;
            next = new JsonObject();
            obj[key] = next;
        }
        Walk(next, segments, i + 1, visit);
    }

    /// <summary>Sets string entries into the map at each place the path reaches (creating it when allowed).</summary>
    public void SetEntries(JsonObject o, IReadOnlyDictionary<string, string> entries) => Visit(o, (parent, key) =>
    {
        if (parent[key] is not JsonObject map)
        {
            if (parent[key] is not null) return; // not a map: leave it alone
            map = new JsonObject();
            parent[key] = map;
        }
        foreach (var (k, v) in entries) map[k] = v;
    });
}

/// <summary>The field specs of kustomize's built-in transformers that the renderer implements.</summary>
internal static class FieldSpecs
{
    /// <summary>Where labels go on objects and pod templates (<c>labels</c> with includeTemplates, and commonLabels).</summary>
    public static readonly IReadOnlyList<FieldSpec> MetadataLabels =
    [
        new("metadata/labels", Create: true),
        new("spec/template/metadata/labels"),
        new("spec/template/metadata/labels", "ReplicationController", Version: "v1", Create: true),
        new("spec/template/metadata/labels", "Deployment", Create: true),
        new("spec/template/metadata/labels", "ReplicaSet", Create: true),
        new("spec/template/metadata/labels", "DaemonSet", Create: true),
        new("spec/template/metadata/labels", "StatefulSet", "apps", Create: true),
        new("spec/volumeClaimTemplates[]/metadata/labels", "StatefulSet", "apps", Create: true),
        new("spec/template/metadata/labels", "Job", "batch", Create: true),
        new("spec/jobTemplate/metadata/labels", "CronJob", "batch", Create: true),
        new("spec/jobTemplate/spec/template/metadata/labels", "CronJob", "batch", Create: true),
    ];

    private static readonly string[] AffinityPaths =
    [
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
    ];

    /// <summary>Where selector labels go (<c>labels</c> with includeSelectors, and commonLabels), besides <see cref="MetadataLabels"/>.</summary>
    public static readonly IReadOnlyList<FieldSpec> Selectors =
    [
        new("spec/selector", "Service", Version: "v1", Create: true),
        new("spec/selector", "ReplicationController", Version: "v1", Create: true),
        new("spec/selector/matchLabels", "Deployment", Create: true),
        .. AffinityPaths.Select(p => new FieldSpec(p, "Deployment", "apps")),
        new("spec/selector/matchLabels", "ReplicaSet", Create: true),
        new("spec/selector/matchLabels", "DaemonSet", Create: true),
        new("spec/selector/matchLabels", "StatefulSet", "apps", Create: true),
        .. AffinityPaths.Select(p => new FieldSpec(p, "StatefulSet", "apps")),
        new("spec/selector/matchLabels", "Job", "batch"),
        new("spec/jobTemplate/spec/selector/matchLabels", "CronJob", "batch"),
        new("spec/selector/matchLabels", "PodDisruptionBudget", "policy"),
        new("spec/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io"),
        new("spec/ingress/from/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io"),
        new("spec/egress/to/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io"),
    ];

    /// <summary>Where commonAnnotations go: objects and pod templates.</summary>
    public static readonly IReadOnlyList<FieldSpec> Annotations =
    [
        new("metadata/annotations", Create: true),
        new("spec/template/metadata/annotations"),
        new("spec/template/metadata/annotations", "ReplicationController", Version: "v1", Create: true),
        new("spec/template/metadata/annotations", "Deployment", Create: true),
        new("spec/template/metadata/annotations", "ReplicaSet", Create: true),
        new("spec/template/metadata/annotations", "DaemonSet", Create: true),
        new("spec/template/metadata/annotations", "StatefulSet", "apps", Create: true),
        new("spec/template/metadata/annotations", "Job", "batch", Create: true),
        new("spec/jobTemplate/metadata/annotations", "CronJob", "batch", Create: true),
        new("spec/jobTemplate/spec/template/metadata/annotations", "CronJob", "batch", Create: true),
    ];
}
