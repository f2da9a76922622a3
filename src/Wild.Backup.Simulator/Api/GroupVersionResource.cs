namespace Wild.Backup.Simulator.Api;

/// <summary>Identifies a resource collection: API group ("" for core), version and plural resource name.</summary>
public sealed record GroupVersionResource(string Group, string Version, string Resource)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public GroupResource GroupResource => new(Group, Resource);

    public override string ToString() => $"{ApiVersion}, Resource={Resource}";

    // Core kinds used by the controllers and by other in-process code.
    public static readonly GroupVersionResource Namespaces = new("", "v1", "namespaces");
    public static readonly GroupVersionResource Pods = new("", "v1", "pods");
    public static readonly GroupVersionResource Nodes = new("", "v1", "nodes");
    public static readonly GroupVersionResource Events = new("", "v1", "events");
    public static readonly GroupVersionResource ConfigMaps = new("", "v1", "configmaps");
    public static readonly GroupVersionResource Secrets = new("", "v1", "secrets");
    public static readonly GroupVersionResource Services = new("", "v1", "services");
    public static readonly GroupVersionResource ServiceAccounts = new("", "v1", "serviceaccounts");
    public static readonly GroupVersionResource PersistentVolumes = new("", "v1", "persistentvolumes");
    public static readonly GroupVersionResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims");
    public static readonly GroupVersionResource Deployments = new("apps", "v1", "deployments");
    public static readonly GroupVersionResource ReplicaSets = new("apps", "v1", "replicasets");
    public static readonly GroupVersionResource StatefulSets = new("apps", "v1", "statefulsets");
    public static readonly GroupVersionResource DaemonSets = new("apps", "v1", "daemonsets");
    public static readonly GroupVersionResource ControllerRevisions = new("apps", "v1", "controllerrevisions");
    public static readonly GroupVersionResource Jobs = new("batch", "v1", "jobs");
    public static readonly GroupVersionResource CronJobs = new("batch", "v1", "cronjobs");
    public static readonly GroupVersionResource StorageClasses = new("storage.k8s.io", "v1", "storageclasses");
    public static readonly GroupVersionResource CustomResourceDefinitions = new("apiextensions.k8s.io", "v1", "customresourcedefinitions");
}

/// <summary>A resource independent of version: how objects are keyed in storage.</summary>
public readonly record struct GroupResource(string Group, string Resource)
{
    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}
