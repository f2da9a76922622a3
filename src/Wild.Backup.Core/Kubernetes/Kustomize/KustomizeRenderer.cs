using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Kubernetes.Kustomize;

/// <summary>
/// Renders a Wild Cloud app directory the way <c>kubectl apply -k</c> (kustomize) does, for the subset of kustomize
/// Wild Cloud apps use: <c>resources</c> (files, <c>kind: List</c>, and sub-directories with their own kustomization),
/// <c>namespace</c>, <c>namePrefix</c>/<c>nameSuffix</c>, <c>labels</c> (<c>includeSelectors</c>, <c>includeTemplates</c>),
/// <c>commonLabels</c>, <c>commonAnnotations</c>, <c>images</c>, <c>replicas</c>, <c>configMapGenerator</c>,
/// <c>secretGenerator</c> and <c>generatorOptions</c> (hash suffixes and references to the generated names included).
/// Anything else in a kustomization — patches, replacements, components, remote resources, … — is refused with an
/// error naming the field: never silently ignored. Files may only come from inside the rendered directory.
/// </summary>
public static class KustomizeRenderer
{
    private static readonly HashSet<string> Supported =
    [
        "apiVersion", "kind", "metadata", "namespace", "namePrefix", "nameSuffix", "resources", "bases", "labels", "commonLabels",
        "commonAnnotations", "images", "replicas", "configMapGenerator", "secretGenerator", "generatorOptions",
    ];

    private static readonly HashSet<string> ClusterScoped =
    [
        "Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass",
        "IngressClass", "CSIDriver", "CSINode", "VolumeAttachment", "Node", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
        "APIService", "RuntimeClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ComponentStatus",
        "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ClusterIssuer",
    ];

    /// <summary>Kustomize's legacy output order: these kinds first, in this order, …</summary>
    private static readonly string[] First =
    [
        "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy", "Role", "ClusterRole",
        "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service", "LimitRange", "PriorityClass", "PersistentVolume",
        "PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob", "PodDisruptionBudget",
    ];

    /// <summary>… and these last.</summary>
    private static readonly string[] Last = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

    /// <summary>Whether objects of a kind live in a namespace (kustomize's built-in list; other kinds are namespaced).</summary>
    public static bool IsClusterScoped(string kind) => ClusterScoped.Contains(kind);

    /// <summary>The objects the kustomization in <paramref name="dir"/> produces, in kustomize's legacy order.</summary>
    public static IReadOnlyList<JsonObject> Render(string dir)
    {
        var root = Path.GetFullPath(dir);
        if (!Directory.Exists(root)) throw new NotFoundException("KustomizeDirMissing", $"{root} does not exist.") { Target = root };
        var resources = Build(root, root, [], 0);

        // Generated objects get their content hash last, when their content is final; references follow them.
        foreach (var r in resources.Where(r => r.NeedsHash)) r.Rename(r.Name + "-" + Generators.HashSuffix(r.Obj));
        NameReferences.Fix(resources);

        var seen = new HashSet<(string, string, string?, string)>();
        foreach (var r in resources)
        {
            if (!seen.Add((KubeJson.GroupOf(r.Obj.ApiVersion()), r.Kind, r.Namespace, r.Name)))
                throw new InvalidInputException("KustomizeDuplicate", $"{r.Origin}: {r.Obj.Describe()} is defined more than once.") { Target = r.Origin };
        }
        return resources
            .Select((r, i) => (r, i))
            .OrderBy(x => Rank(x.r.Kind))
            .ThenBy(x => Rank(x.r.Kind) == First.Length ? x.r.Kind : "", StringComparer.Ordinal)
            .ThenBy(x => x.r.Namespace ?? "", StringComparer.Ordinal)
            .ThenBy(x => x.r.Name, StringComparer.Ordinal)
            .ThenBy(x => x.i)
            .Select(x => x.r.Obj)
            .ToList();
    }

    private static int Rank(string kind)
    {
        var first = Array.IndexOf(First, kind);
        if (first >= 0) return first;
        var last = Array.IndexOf(Last, kind);
        return last >= 0 ? First.Length + 1 + last : First.Length;
    }

    private static List<KResource> Build(string dir, string root, HashSet<string> visiting, int depth)
    {
        if (depth > 20) throw new InvalidInputException("KustomizeTooDeep", $"{KustomizeFiles.Show(dir, root)}: kustomizations are nested too deeply.") { Target = dir };
        var path = KustomizeFiles.FindKustomization(dir)
            ?? throw new NotFoundException("KustomizationMissing", $"{KustomizeFiles.Show(dir, root)} has no kustomization.yaml.") { Target = dir };
        var file = KustomizeFiles.Show(path, root);
        if (!visiting.Add(dir)) throw new InvalidInputException("KustomizeCycle", $"{file}: resources refer back to this directory (a cycle).") { Target = file };
        var k = YamlObjects.ParseObject(File.ReadAllText(path), file);
        foreach (var (field, _) in k)
        {
            if (!Supported.Contains(field)) throw Generators.Unsupported(file, field);
        }
        if (k.Str("kind") is { } kind && kind != "Kustomization") throw Generators.Unsupported(file, $"kind: {kind}");

        var list = new List<KResource>();
        foreach (var entry in StringList(k, "bases", file).Concat(StringList(k, "resources", file)))
        {
            var full = KustomizeFiles.Resolve(dir, root, entry, file);
            if (Directory.Exists(full))
            {
                list.AddRange(Build(full, root, visiting, depth + 1));
                continue;
            }
            var shown = KustomizeFiles.Show(full, root);
            foreach (var obj in YamlObjects.ParseObjects(File.ReadAllText(full), shown))
            {
                foreach (var item in obj.Kind() == "List" && obj["items"] is JsonArray items ? items.OfType<JsonObject>().Select(i => i.Clone()) : [obj])
                {
                    if (string.IsNullOrEmpty(item.Kind()) || string.IsNullOrEmpty(item.ApiVersion()) || string.IsNullOrEmpty(item.Name()))
                        throw new InvalidInputException("ManifestIncomplete", $"{shown}: every object needs apiVersion, kind and metadata.name.") { Target = shown };
                    list.Add(new KResource(item, shown));
                }
            }
        }
        var options = k.Obj("generatorOptions");
        list.AddRange(Generators.Generate(k.Arr("configMapGenerator"), secret: false, options, dir, root, file));
        list.AddRange(Generators.Generate(k.Arr("secretGenerator"), secret: true, options, dir, root, file));

        if (k.Str("namespace") is { Length: > 0 } ns) SetNamespace(list, ns);
        var prefix = k.Str("namePrefix") ?? "";
        var suffix = k.Str("nameSuffix") ?? "";
        if (prefix.Length + suffix.Length > 0)
        {
            foreach (var r in list.Where(r => r.Kind is not ("Namespace" or "CustomResourceDefinition"))) r.Rename(prefix + r.Name + suffix);
        }
        var common = Map(k, "commonLabels", file);
        if (common.Count > 0) AddLabels(list, common, selectors: true, templates: true);
        foreach (var entry in k.Arr("labels") ?? [])
        {
            if (entry is not JsonObject l) throw Invalid(file, "each labels entry must be a mapping");
            foreach (var (field, _) in l)
            {
                if (field is not ("pairs" or "includeSelectors" or "includeTemplates")) throw Generators.Unsupported(file, "labels." + field);
            }
            var selectors = l.Bool("includeSelectors") ?? false;
            AddLabels(list, Map(l, "pairs", file), selectors, templates: selectors || (l.Bool("includeTemplates") ?? false));
        }
        var annotations = Map(k, "commonAnnotations", file);
        if (annotations.Count > 0)
        {
            foreach (var r in list)
            {
                foreach (var spec in FieldSpecs.Annotations) spec.SetEntries(r.Obj, annotations);
            }
        }
        ApplyReplicas(list, k.Arr("replicas"), file);
        Images.Apply(list, k.Arr("images"), file);
        NameReferences.Fix(list);
        visiting.Remove(dir);
        return list;
    }

    /// <summary>The namespace transformer: namespaced objects move to <paramref name="ns"/>, Namespace objects are renamed to
    /// it, and RoleBinding subjects named <c>default</c> follow.</summary>
    private static void SetNamespace(List<KResource> list, string ns)
    {
        foreach (var r in list)
        {
            if (r.Kind == "Namespace")
            {
                r.Obj.Ensure("metadata")["name"] = ns;
                continue;
            }
            if (!IsClusterScoped(r.Kind)) r.Obj.Ensure("metadata")["namespace"] = ns;
            if (r.Kind is "RoleBinding" or "ClusterRoleBinding")
            {
                foreach (var s in r.Obj.Arr("subjects")?.OfType<JsonObject>() ?? [])
                {
                    if (s.Str("name") == "default") s["namespace"] = ns;
                }
            }
        }
    }

    private static void AddLabels(List<KResource> list, IReadOnlyDictionary<string, string> labels, bool selectors, bool templates)
    {
        if (labels.Count == 0) return;
        var specs = new List<FieldSpec>();
        if (templates) specs.AddRange(FieldSpecs.MetadataLabels);
        else specs.Add(FieldSpecs.MetadataLabels[0]);
        if (selectors) specs.AddRange(FieldSpecs.Selectors);
        foreach (var r in list)
        {
            foreach (var spec in specs) spec.SetEntries(r.Obj, labels);
        }
    }

    private static void ApplyReplicas(List<KResource> list, JsonArray? replicas, string file)
    {
        foreach (var entry in replicas ?? [])
        {
            var name = entry.Str("name") ?? throw Invalid(file, "a replicas entry has no name");
            var count = entry.Long("count") ?? throw Invalid(file, $"replicas[{name}] has no count");
            var matched = false;
            foreach (var r in list.Where(r => (r.Name == name || r.PreviousNames.Contains(name)) && r.Kind is "Deployment" or "ReplicaSet" or "StatefulSet" or "ReplicationController"))
            {
                r.Obj.Ensure("spec")["replicas"] = count;
                matched = true;
            }
            if (!matched) throw Invalid(file, $"replicas names '{name}', which is no Deployment, StatefulSet or ReplicaSet of this kustomization");
        }
    }

    private static IEnumerable<string> StringList(JsonObject k, string field, string file)
    {
        if (k[field] is null) yield break;
        if (k[field] is not JsonArray a) throw Invalid(file, $"{field} must be a list");
        foreach (var item in a)
        {
            yield return item is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : throw Invalid(file, $"{field} must be a list of paths");
        }
    }

    private static IReadOnlyDictionary<string, string> Map(JsonObject k, string field, string file)
    {
        if (k[field] is null) return new Dictionary<string, string>();
        if (k[field] is not JsonObject o) throw Invalid(file, $"{field} must be a mapping");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in o)
        {
            // Values are strings in Kubernetes; a YAML number or boolean is taken as its text, as kustomize does.
            map[key] = value switch
            {
                JsonValue v when v.TryGetValue<string>(out var s) => s,
                JsonValue v => v.ToJsonString(),
                null => "",
                _ => throw Invalid(file, $"{field}.{key} must be a string"),
            };
        }
        return map;
    }

    private static InvalidInputException Invalid(string file, string what) => new("KustomizeInvalid", $"{file}: {what}.") { Target = file };
}
