using System.Text.Json.Nodes;

namespace Wild.Backup.Core.Kubernetes.Kustomize;

/// <summary>One object in a render: its JSON, the names it had before transformers renamed it, and whether it was made
/// by a generator (and so gets the content hash suffix).</summary>
internal sealed class KResource(JsonObject obj, string origin)
{
    public JsonObject Obj { get; } = obj;
    /// <summary>The file (or generator) it came from, for messages.</summary>
    public string Origin { get; } = origin;
    public List<string> PreviousNames { get; } = [];
    public bool NeedsHash { get; set; }
    public bool Generated { get; set; }

    public string Kind => Obj.Kind();
    public string Name => Obj.Name();
    public string? Namespace => Obj.Namespace();

    public void Rename(string name)
    {
        if (name == Name) return;
        PreviousNames.Add(Name);
        Obj.Ensure("metadata")["name"] = name;
    }
}

/// <summary>
/// Kustomize's name reference fixing, for the references Wild Cloud apps use: after a transformer renames an object
/// (name prefix/suffix, a generator's hash suffix), fields that referred to it by an earlier name are updated — config
/// maps and secrets in pod specs (volumes, env, envFrom, projected volumes, image pull secrets), secrets in Ingress TLS
/// and ServiceAccounts, services in Ingress backends and StatefulSet serviceName, claims in pod volumes, service
/// accounts in pod specs and role bindings, roles in role bindings.
/// </summary>
internal static class NameReferences
{
    private static readonly (string Kind, string Root)[] PodSpecs =
    [
        ("Pod", "spec"),
        ("Deployment", "spec/template/spec"),
        ("ReplicaSet", "spec/template/spec"),
        ("ReplicationController", "spec/template/spec"),
        ("DaemonSet", "spec/template/spec"),
        ("StatefulSet", "spec/template/spec"),
        ("Job", "spec/template/spec"),
        ("CronJob", "spec/jobTemplate/spec/template/spec"),
    ];

    private static IEnumerable<FieldSpec> InPodSpecs(params string[] paths) =>
        PodSpecs.SelectMany(p => paths.Select(path => new FieldSpec(p.Root + "/" + path, p.Kind)));

    private static readonly (string Target, FieldSpec Spec)[] References =
    [
        .. InPodSpecs(
            "volumes/configMap/name", "volumes/projected/sources/configMap/name",
            "containers/env/valueFrom/configMapKeyRef/name", "initContainers/env/valueFrom/configMapKeyRef/name",
            "containers/envFrom/configMapRef/name", "initContainers/envFrom/configMapRef/name").Select(s => ("ConfigMap", s)),
        .. InPodSpecs(
            "volumes/secret/secretName", "volumes/projected/sources/secret/name",
            "containers/env/valueFrom/secretKeyRef/name", "initContainers/env/valueFrom/secretKeyRef/name",
            "containers/envFrom/secretRef/name", "initContainers/envFrom/secretRef/name", "imagePullSecrets/name").Select(s => ("Secret", s)),
        ("Secret", new FieldSpec("spec/tls/secretName", "Ingress")),
        ("Secret", new FieldSpec("imagePullSecrets/name", "ServiceAccount")),
        ("Secret", new FieldSpec("secrets/name", "ServiceAccount")),
        ("Service", new FieldSpec("spec/rules/http/paths/backend/service/name", "Ingress")),
        ("Service", new FieldSpec("spec/defaultBackend/service/name", "Ingress")),
        ("Service", new FieldSpec("spec/serviceName", "StatefulSet")),
        .. InPodSpecs("volumes/persistentVolumeClaim/claimName").Select(s => ("PersistentVolumeClaim", s)),
        .. InPodSpecs("serviceAccountName", "serviceAccount").Select(s => ("ServiceAccount", s)),
    ];

    /// <summary>The objects <paramref name="o"/> refers to by name, as (kind, name): config maps, secrets, services, claims,
    /// service accounts.</summary>
    public static IReadOnlyList<(string Kind, string Name)> Referenced(JsonObject o)
    {
        var found = new List<(string, string)>();
        foreach (var (target, spec) in References)
        {
            spec.Visit(o, (parent, key) =>
            {
                if (parent[key] is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0) found.Add((target, name));
            });
        }
        return found.Distinct().ToList();
    }

    /// <summary>Points references at the current names of the objects they named.</summary>
    public static void Fix(IReadOnlyList<KResource> resources)
    {
        var renamed = resources.Where(r => r.PreviousNames.Count > 0).ToList();
        if (renamed.Count == 0) return;
        foreach (var referrer in resources)
        {
            foreach (var (target, spec) in References)
            {
                spec.Visit(referrer.Obj, (parent, key) => Update(parent, key, target, referrer, renamed));
            }
            if (referrer.Kind is "RoleBinding" or "ClusterRoleBinding")
            {
                foreach (var subject in referrer.Obj.Arr("subjects")?.OfType<JsonObject>() ?? [])
                {
                    if (subject.Str("kind") == "ServiceAccount") Update(subject, "name", "ServiceAccount", referrer, renamed, subject.Str("namespace"));
                }
                if (referrer.Obj.Obj("roleRef") is { } roleRef && roleRef.Str("kind") is { } roleKind) Update(roleRef, "name", roleKind, referrer, renamed);
            }
        }
    }

    private static void Update(JsonObject parent, string key, string targetKind, KResource referrer, List<KResource> renamed, string? inNamespace = null)
    {
        if (parent[key] is not JsonValue v || !v.TryGetValue<string>(out var name)) return;
        var ns = inNamespace ?? referrer.Namespace;
        var candidates = renamed.Where(r => r.Kind == targetKind && r.PreviousNames.Contains(name, StringComparer.Ordinal)).ToList();
        var match = candidates.FirstOrDefault(r => r.Namespace == ns || r.Namespace is null || targetKind is "ClusterRole")
                    ?? (candidates.Count == 1 ? candidates[0] : null);
        if (match is not null && match.Name != name) parent[key] = match.Name;
    }
}
