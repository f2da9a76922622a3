using static Wild.Backup.Simulator.Resources.SchemaNode;

namespace Wild.Backup.Simulator.Resources;

/// <summary>
/// The list-merge metadata of the built-in types (from their Go struct tags: patchMergeKey /
/// patchStrategy for strategic merge patch, listType / listMapKeys / structType for server-side
/// apply). Only fields with non-default semantics are listed; everything else merges field by field
/// (objects) or is replaced (lists).
/// </summary>
internal static class BuiltInSchemas
{
    /// <summary>Ports leave protocol out; the API defaults it to TCP (OpenAPI default of the list-map key).</summary>
    private static readonly IReadOnlyDictionary<string, string> ProtocolTcp = new Dictionary<string, string> { ["protocol"] = "TCP" };

    public static SchemaNode ObjectMeta() => Struct(
        ("finalizers", SetList()),
        ("ownerReferences", MapList(["uid"])),
        ("managedFields", AtomicList()));

    public static SchemaNode LabelSelector() => Atomic();

    public static SchemaNode Conditions() => MapList(["type"]);

    public static SchemaNode Container() => Struct(
        ("ports", MapList(["containerPort", "protocol"], smpKey: "containerPort", keyDefaults: ProtocolTcp)),
        ("env", MapList(["name"])),
        ("volumeMounts", MapList(["mountPath"])),
        ("volumeDevices", MapList(["devicePath"])),
        ("resizePolicy", MapList(["resourceName"], smpMerge: false)),
        ("envFrom", AtomicList()),
        ("command", AtomicList()),
        ("args", AtomicList()));

    public static SchemaNode PodSpec() => Struct(
        ("containers", MapList(["name"], Container())),
        ("initContainers", MapList(["name"], Container())),
        ("ephemeralContainers", MapList(["name"], Container())),
        ("volumes", RetainKeysMapList(["name"])),
        ("imagePullSecrets", MapList(["name"])),
        ("hostAliases", MapList(["ip"])),
        ("tolerations", AtomicList()),
        ("topologySpreadConstraints", MapList(["topologyKey", "whenUnsatisfiable"], smpKey: "topologyKey")),
        ("readinessGates", AtomicList()),
        ("schedulingGates", MapList(["name"])),
        ("resourceClaims", MapList(["name"])));

    public static SchemaNode PodTemplateSpec() => Struct(("metadata", ObjectMeta()), ("spec", PodSpec()));

    public static SchemaNode PodStatus() => Struct(
        ("conditions", Conditions()),
        ("podIPs", MapList(["ip"])),
        ("hostIPs", MapList(["ip"])),
        ("containerStatuses", AtomicList()),
        ("initContainerStatuses", AtomicList()));

    public static SchemaNode Pod() => Struct(("metadata", ObjectMeta()), ("spec", PodSpec()), ("status", PodStatus()));

    private static SchemaNode RetainKeysMapList(string[] keys)
    {
        var n = MapList(keys);
        n.Items!.RetainKeys = true;
        return n;
    }

    public static SchemaNode Workload(bool hasClaimTemplates = false)
    {
        var spec = Struct(("selector", LabelSelector()), ("template", PodTemplateSpec()));
        if (hasClaimTemplates) spec.With("volumeClaimTemplates", AtomicList());
        spec.With("strategy", new SchemaNode { RetainKeys = true });
        spec.With("updateStrategy", new SchemaNode { RetainKeys = true });
        return Struct(("metadata", ObjectMeta()), ("spec", spec), ("status", Struct(("conditions", Conditions()))));
    }

    public static SchemaNode Job() => Struct(
        ("metadata", ObjectMeta()),
        ("spec", Struct(("selector", LabelSelector()), ("template", PodTemplateSpec()))),
        ("status", Struct(("conditions", AtomicList()), ("uncountedTerminatedPods", Atomic()))));

    public static SchemaNode CronJob() => Struct(
        ("metadata", ObjectMeta()),
        ("spec", Struct(("jobTemplate", Struct(("metadata", ObjectMeta()), ("spec", Job().Fields["spec"]))))),
        ("status", Struct(("active", AtomicList()))));

    public static SchemaNode Service() => Struct(
        ("metadata", ObjectMeta()),
        ("spec", Struct(
            ("ports", MapList(["port", "protocol"], smpKey: "port", keyDefaults: ProtocolTcp)),
            ("clusterIPs", AtomicList()),
            ("ipFamilies", AtomicList()),
            ("externalIPs", AtomicList()),
            ("loadBalancerSourceRanges", AtomicList()))),
        ("status", Struct(("conditions", Conditions()))));

    public static SchemaNode Node() => Struct(
        ("metadata", ObjectMeta()),
        ("spec", Struct(("taints", AtomicList()), ("podCIDRs", SetList()))),
        ("status", Struct(("conditions", Conditions()), ("addresses", MapList(["type"])), ("images", AtomicList()), ("volumesAttached", AtomicList()))));

    public static SchemaNode Namespace() => Struct(
        ("metadata", ObjectMeta()),
        ("spec", Struct(("finalizers", AtomicList()))),
        ("status", Struct(("conditions", Conditions()))));

    public static SchemaNode PersistentVolumeClaim() => Struct(
        ("metadata", ObjectMeta()),
        ("spec", Struct(("accessModes", AtomicList()), ("selector", LabelSelector()))),
        ("status", Struct(("conditions", Conditions()), ("accessModes", AtomicList()))));

    public static SchemaNode PersistentVolume() => Struct(
        ("metadata", ObjectMeta()),
        ("spec", Struct(("accessModes", AtomicList()), ("claimRef", Atomic()), ("mountOptions", AtomicList()))));

    public static SchemaNode Generic() => Struct(("metadata", ObjectMeta()));
}
