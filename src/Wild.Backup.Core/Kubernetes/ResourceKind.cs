namespace Wild.Backup.Core.Kubernetes;

/// <summary>
/// A kind of object the API server serves: its group, version, kind, resource (plural) and scope. Built-in kinds the
/// product uses are listed here; anything else is discovered from the server (<see cref="IKubernetesCluster.ResolveAsync"/>).
/// </summary>
public sealed record ResourceKind(string Group, string Version, string Kind, string Plural, bool Namespaced)
{
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>The REST path of the collection: <c>/api/v1/namespaces/ns/pods</c>, <c>/apis/apps/v1/deployments</c>.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? "/api/" + Version : $"/apis/{Group}/{Version}";
        if (Namespaced && !string.IsNullOrEmpty(ns)) root += "/namespaces/" + Uri.EscapeDataString(ns);
        return root + "/" + Plural;
    }

    public string ObjectPath(string? ns, string name) => CollectionPath(ns) + "/" + Uri.EscapeDataString(name);

    public override string ToString() => $"{Kind}.{(Group.Length == 0 ? "core" : Group)}/{Version}";

    public static readonly ResourceKind Namespace = new("", "v1", "Namespace", "namespaces", false);
    public static readonly ResourceKind Pod = new("", "v1", "Pod", "pods", true);
    public static readonly ResourceKind Secret = new("", "v1", "Secret", "secrets", true);
    public static readonly ResourceKind ConfigMap = new("", "v1", "ConfigMap", "configmaps", true);
    public static readonly ResourceKind Service = new("", "v1", "Service", "services", true);
    public static readonly ResourceKind PersistentVolume = new("", "v1", "PersistentVolume", "persistentvolumes", false);
    public static readonly ResourceKind PersistentVolumeClaim = new("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true);
    public static readonly ResourceKind Deployment = new("apps", "v1", "Deployment", "deployments", true);
    public static readonly ResourceKind StatefulSet = new("apps", "v1", "StatefulSet", "statefulsets", true);
    public static readonly ResourceKind DaemonSet = new("apps", "v1", "DaemonSet", "daemonsets", true);
    public static readonly ResourceKind ReplicaSet = new("apps", "v1", "ReplicaSet", "replicasets", true);
    public static readonly ResourceKind Job = new("batch", "v1", "Job", "jobs", true);
    public static readonly ResourceKind CronJob = new("batch", "v1", "CronJob", "cronjobs", true);
    public static readonly ResourceKind Ingress = new("networking.k8s.io", "v1", "Ingress", "ingresses", true);
    public static readonly ResourceKind StorageClass = new("storage.k8s.io", "v1", "StorageClass", "storageclasses", false);

    /// <summary>Built-in kinds known without discovery, by apiVersion and kind.</summary>
    public static readonly IReadOnlyDictionary<(string ApiVersion, string Kind), ResourceKind> WellKnown =
        new[] { Namespace, Pod, Secret, ConfigMap, Service, PersistentVolume, PersistentVolumeClaim, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Ingress, StorageClass }
            .ToDictionary(k => (k.ApiVersion, k.Kind));
}
