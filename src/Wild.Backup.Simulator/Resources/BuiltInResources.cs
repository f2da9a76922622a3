using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources.Kinds;

namespace Wild.Backup.Simulator.Resources;

/// <summary>The built-in kinds served by the simulated API server (Kubernetes 1.33 names and properties).</summary>
internal static class BuiltInResources
{
    /// <summary>Discovery order of the built-in groups (the real server's order); CRD groups follow.</summary>
    public static readonly List<string> GroupOrder =
    [
        "apiregistration.k8s.io", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling",
        "batch", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io",
        "admissionregistration.k8s.io", "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io",
        "discovery.k8s.io", "flowcontrol.apiserver.k8s.io",
    ];

    private static readonly ScaleSpec ReplicasScale = new(["spec", "replicas"], ["status", "replicas"], null);

    public static List<ResourceType> Create()
    {
        var workloadFields = new Dictionary<string, Func<JsonObject, string>>();
        return
        [
            // core/v1
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "Namespace", Plural = "namespaces", Singular = "namespace", Namespaced = false,
                ShortNames = ["ns"], HasStatus = true, NameRule = NameRule.Label, ReturnDeletedObject = true,
                Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"],
                Schema = BuiltInSchemas.Namespace(), Strategy = new NamespaceStrategy(),
                SelectableFields = Fields(("status.phase", o => o.Str("status", "phase") ?? "")),
            },
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "Pod", Plural = "pods", Singular = "pod", Namespaced = true,
                ShortNames = ["po"], Categories = ["all"], HasStatus = true, ReturnDeletedObject = true,
                Schema = BuiltInSchemas.Pod(), Strategy = new PodStrategy(),
                SelectableFields = Fields(
                    ("spec.nodeName", o => o.Str("spec", "nodeName") ?? ""),
                    ("spec.restartPolicy", o => o.Str("spec", "restartPolicy") ?? ""),
                    ("spec.schedulerName", o => o.Str("spec", "schedulerName") ?? ""),
                    ("spec.serviceAccountName", o => o.Str("spec", "serviceAccountName") ?? ""),
                    ("spec.hostNetwork", o => (o.Bool("spec", "hostNetwork") ?? false) ? "true" : "false"),
                    ("status.phase", o => o.Str("status", "phase") ?? ""),
                    ("status.podIP", o => o.Str("status", "podIP") ?? ""),
                    ("status.nominatedNodeName", o => o.Str("status", "nominatedNodeName") ?? "")),
            },
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "Service", Plural = "services", Singular = "service", Namespaced = true,
                ShortNames = ["svc"], Categories = ["all"], HasStatus = true, ReturnDeletedObject = true, NameRule = NameRule.Dns1035Label,
                Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                Schema = BuiltInSchemas.Service(), Strategy = new ServiceStrategy(),
                SelectableFields = Fields(("spec.clusterIP", o => o.Str("spec", "clusterIP") ?? ""), ("spec.type", o => o.Str("spec", "type") ?? "")),
            },
            Simple("", "ConfigMap", "configmaps", true, ["cm"], new ConfigMapStrategy()),
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "Secret", Plural = "secrets", Singular = "secret", Namespaced = true,
                Schema = BuiltInSchemas.Generic(), Strategy = new SecretStrategy(),
                SelectableFields = Fields(("type", o => o.Str("type") ?? "")),
            },
            Simple("", "ServiceAccount", "serviceaccounts", true, ["sa"]),
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "PersistentVolume", Plural = "persistentvolumes", Singular = "persistentvolume",
                Namespaced = false, ShortNames = ["pv"], HasStatus = true, Schema = BuiltInSchemas.PersistentVolume(), Strategy = new PvStrategy(),
            },
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "PersistentVolumeClaim", Plural = "persistentvolumeclaims", Singular = "persistentvolumeclaim",
                Namespaced = true, ShortNames = ["pvc"], HasStatus = true, Schema = BuiltInSchemas.PersistentVolumeClaim(), Strategy = new PvcStrategy(),
            },
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "Event", Plural = "events", Singular = "event", Namespaced = true,
                ShortNames = ["ev"], NameRule = NameRule.PathSegment, Schema = BuiltInSchemas.Generic(), Strategy = new EventStrategy(),
                AllowCreateOnUpdate = true,
                SelectableFields = Fields(
                    ("involvedObject.kind", o => o.Str("involvedObject", "kind") ?? ""),
                    ("involvedObject.namespace", o => o.Str("involvedObject", "namespace") ?? ""),
                    ("involvedObject.name", o => o.Str("involvedObject", "name") ?? ""),
                    ("involvedObject.uid", o => o.Str("involvedObject", "uid") ?? ""),
                    ("involvedObject.apiVersion", o => o.Str("involvedObject", "apiVersion") ?? ""),
                    ("involvedObject.resourceVersion", o => o.Str("involvedObject", "resourceVersion") ?? ""),
                    ("involvedObject.fieldPath", o => o.Str("involvedObject", "fieldPath") ?? ""),
                    ("reason", o => o.Str("reason") ?? ""),
                    ("reportingComponent", o => o.Str("reportingComponent") ?? ""),
                    ("source", o => o.Str("source", "component") ?? ""),
                    ("type", o => o.Str("type") ?? "")),
            },
            new ResourceType
            {
                Group = "", Versions = ["v1"], Kind = "Node", Plural = "nodes", Singular = "node", Namespaced = false,
                ShortNames = ["no"], HasStatus = true, Schema = BuiltInSchemas.Node(), Strategy = new NodeStrategy(),
                SelectableFields = Fields(("spec.unschedulable", o => (o.Bool("spec", "unschedulable") ?? false) ? "true" : "false")),
            },
            Simple("", "Endpoints", "endpoints", true, ["ep"]),
            Simple("", "LimitRange", "limitranges", true, ["limits"]),
            Status(Simple("", "ResourceQuota", "resourcequotas", true, ["quota"])),
            Simple("", "PodTemplate", "podtemplates", true, []),

            // apps/v1
            Workload("Deployment", "deployments", ["deploy"], BuiltInSchemas.Workload()),
            Workload("ReplicaSet", "replicasets", ["rs"], BuiltInSchemas.Workload(), Fields(("status.replicas", o => (o.Long("status", "replicas") ?? 0).ToString(CultureInfo.InvariantCulture)))),
            Workload("StatefulSet", "statefulsets", ["sts"], BuiltInSchemas.Workload(hasClaimTemplates: true)),
            Workload("DaemonSet", "daemonsets", ["ds"], BuiltInSchemas.Workload(), scalable: false),
            Simple("apps", "ControllerRevision", "controllerrevisions", true, []),

            // batch/v1
            new ResourceType
            {
                Group = "batch", Versions = ["v1"], Kind = "Job", Plural = "jobs", Singular = "job", Namespaced = true,
                Categories = ["all"], HasStatus = true, TracksGeneration = true, DefaultPropagation = "Orphan",
                Schema = BuiltInSchemas.Job(), Strategy = new JobStrategy(),
                SelectableFields = Fields(("status.successful", o => (o.Long("status", "succeeded") ?? 0).ToString(CultureInfo.InvariantCulture))),
            },
            new ResourceType
            {
                Group = "batch", Versions = ["v1"], Kind = "CronJob", Plural = "cronjobs", Singular = "cronjob", Namespaced = true,
                ShortNames = ["cj"], Categories = ["all"], HasStatus = true, TracksGeneration = true,
                Schema = BuiltInSchemas.CronJob(), Strategy = new CronJobStrategy(),
            },

            // networking.k8s.io/v1
            new ResourceType
            {
                Group = "networking.k8s.io", Versions = ["v1"], Kind = "Ingress", Plural = "ingresses", Singular = "ingress", Namespaced = true,
                ShortNames = ["ing"], HasStatus = true, TracksGeneration = true, Schema = BuiltInSchemas.Generic(), Strategy = new IngressStrategy(),
            },
            Generation(Simple("networking.k8s.io", "NetworkPolicy", "networkpolicies", true, ["netpol"])),
            Generation(Simple("networking.k8s.io", "IngressClass", "ingressclasses", false, [])),

            // policy/v1
            Generation(Status(Simple("policy", "PodDisruptionBudget", "poddisruptionbudgets", true, ["pdb"]))),

            // storage.k8s.io/v1
            new ResourceType
            {
                Group = "storage.k8s.io", Versions = ["v1"], Kind = "StorageClass", Plural = "storageclasses", Singular = "storageclass",
                Namespaced = false, ShortNames = ["sc"], Schema = BuiltInSchemas.Generic(), Strategy = new StorageClassStrategy(),
            },
            Simple("storage.k8s.io", "CSIDriver", "csidrivers", false, []),
            Status(Simple("storage.k8s.io", "VolumeAttachment", "volumeattachments", false, [])),

            // apiextensions.k8s.io/v1
            new ResourceType
            {
                Group = "apiextensions.k8s.io", Versions = ["v1"], Kind = "CustomResourceDefinition", Plural = "customresourcedefinitions",
                Singular = "customresourcedefinition", Namespaced = false, ShortNames = ["crd", "crds"], Categories = ["api-extensions"],
                HasStatus = true, TracksGeneration = true, ReturnDeletedObject = true,
                Schema = BuiltInSchemas.Generic(), Strategy = new CrdStrategy(),
            },

            // rbac, coordination, discovery, scheduling, autoscaling: stored and served, no behaviour.
            Simple("rbac.authorization.k8s.io", "Role", "roles", true, []),
            Simple("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", true, []),
            Simple("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", false, []),
            Simple("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", false, []),
            Simple("coordination.k8s.io", "Lease", "leases", true, []),
            Simple("discovery.k8s.io", "EndpointSlice", "endpointslices", true, []),
            Simple("scheduling.k8s.io", "PriorityClass", "priorityclasses", false, ["pc"]),
            Status(Simple("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, ["hpa"], versions: ["v2", "v1"])),
        ];

        static ResourceType Workload(string kind, string plural, string[] shortNames, SchemaNode schema,
            IReadOnlyDictionary<string, Func<JsonObject, string>>? fields = null, bool scalable = true)
            => new()
            {
                Group = "apps", Versions = ["v1"], Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(), Namespaced = true,
                ShortNames = shortNames, Categories = ["all"], HasStatus = true, TracksGeneration = true,
                Scale = scalable ? ReplicasScale : null, Schema = schema, Strategy = new WorkloadStrategy(kind),
                SelectableFields = fields ?? new Dictionary<string, Func<JsonObject, string>>(),
            };
    }

    private static ResourceType Simple(string group, string kind, string plural, bool namespaced, string[] shortNames,
        ResourceStrategy? strategy = null, string[]? versions = null)
        => new()
        {
            Group = group, Versions = versions ?? ["v1"], Kind = kind, Plural = plural, Singular = kind.ToLowerInvariant(),
            Namespaced = namespaced, ShortNames = shortNames, Schema = BuiltInSchemas.Generic(),
            Strategy = strategy ?? ResourceStrategy.Default,
        };

    private static ResourceType Status(ResourceType t) => With(t, hasStatus: true);

    private static ResourceType Generation(ResourceType t) => With(t, tracksGeneration: true);

    private static ResourceType With(ResourceType t, bool? hasStatus = null, bool? tracksGeneration = null) => new()
    {
        Group = t.Group, Versions = t.Versions, Kind = t.Kind, Plural = t.Plural, Singular = t.Singular, Namespaced = t.Namespaced,
        ShortNames = t.ShortNames, Categories = t.Categories, Schema = t.Schema, Strategy = t.Strategy,
        HasStatus = hasStatus ?? t.HasStatus, TracksGeneration = tracksGeneration ?? t.TracksGeneration,
    };

    private static Dictionary<string, Func<JsonObject, string>> Fields(params (string Name, Func<JsonObject, string> Get)[] fields)
        => fields.ToDictionary(f => f.Name, f => f.Get);
}
