using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Http;

/// <summary>
/// Server-side printing (<c>Accept: application/json;as=Table;g=meta.k8s.io;v=v1</c>, what kubectl get
/// asks for): the real server's columns for the common kinds (pods, nodes, workloads, services,
/// volumes, namespaces, jobs, events), the default Name/Created At table otherwise.
/// </summary>
internal static class TableConverter
{
    private sealed record Column(string Name, string Type, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell, string Format = "");

    public static bool Wanted(string? accept)
        => accept is not null && accept.Split(',').FirstOrDefault()?.Contains("as=Table", StringComparison.Ordinal) == true;

    public static JsonObject Convert(JsonObject listOrObject, string kind, DateTimeOffset now)
    {
        var isList = listOrObject["items"] is JsonArray;
        var items = isList ? listOrObject.Arr("items")!.OfType<JsonObject>().ToList() : [listOrObject];
        var columns = Columns(kind);
        var rows = new JsonArray();
        foreach (var item in items)
        {
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray(columns.Select(c => c.Cell(item, now)).ToArray()),
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = item["metadata"]?.DeepClone(),
                },
            });
        }
        var meta = new JsonObject();
        if (listOrObject.Str("metadata", "resourceVersion") is { } rv) meta["resourceVersion"] = rv;
        if (isList && listOrObject.Str("metadata", "continue") is { } c) meta["continue"] = c;
        var definitions = new JsonArray();
        foreach (var col in columns)
        {
            definitions.Add(new JsonObject
            {
                ["name"] = col.Name, ["type"] = col.Type, ["format"] = col.Format, ["description"] = col.Name, ["priority"] = col.Priority,
            });
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = meta,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static Column Name() => new("Name", "string", 0, (o, _) => o.Str("metadata", "name"), "name");

    private static Column Age() => new("Age", "string", 0, (o, now) => Human(o.Str("metadata", "creationTimestamp"), now));

    private static JsonNode N(long? v) => JsonValue.Create(v ?? 0);

    private static List<Column> Columns(string kind) => kind switch
    {
        "Pod" =>
        [
            Name(),
            new("Ready", "string", 0, (o, _) => $"{o.Arr("status", "containerStatuses")?.Count(c => c.Bool("ready") == true) ?? 0}/{o.Arr("spec", "containers")?.Count ?? 0}"),
            new("Status", "string", 0, (o, _) => PodStatus(o)),
            new("Restarts", "string", 0, (o, _) => (o.Arr("status", "containerStatuses")?.Sum(c => c.Long("restartCount") ?? 0) ?? 0).ToString(CultureInfo.InvariantCulture)),
            Age(),
            new("IP", "string", 1, (o, _) => o.Str("status", "podIP") ?? "<none>"),
            new("Node", "string", 1, (o, _) => o.Str("spec", "nodeName") ?? "<none>"),
        ],
        "Node" =>
        [
            Name(),
            new("Status", "string", 0, (o, _) => Controllers.PodConditions.Status(o, "Ready") == "True" ? "Ready" : "NotReady"),
            new("Roles", "string", 0, (o, _) => string.Join(",", o.Get("metadata", "labels").StringMap().Keys.Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal)).Select(k => k["node-role.kubernetes.io/".Length..])) is { Length: > 0 } r ? r : "<none>"),
            Age(),
            new("Version", "string", 0, (o, _) => o.Str("status", "nodeInfo", "kubeletVersion")),
            new("Internal-IP", "string", 1, (o, _) => o.Arr("status", "addresses")?.OfType<JsonObject>().FirstOrDefault(a => a.Str("type") == "InternalIP")?.Str("address")),
            new("OS-Image", "string", 1, (o, _) => o.Str("status", "nodeInfo", "osImage")),
            new("Kernel-Version", "string", 1, (o, _) => o.Str("status", "nodeInfo", "kernelVersion")),
            new("Container-Runtime", "string", 1, (o, _) => o.Str("status", "nodeInfo", "containerRuntimeVersion")),
        ],
        "Deployment" =>
        [
            Name(),
            new("Ready", "string", 0, (o, _) => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 0}"),
            new("Up-to-date", "integer", 0, (o, _) => N(o.Long("status", "updatedReplicas"))),
            new("Available", "integer", 0, (o, _) => N(o.Long("status", "availableReplicas"))),
            Age(),
        ],
        "StatefulSet" =>
        [
            Name(),
            new("Ready", "string", 0, (o, _) => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 0}"),
            Age(),
        ],
        "ReplicaSet" =>
        [
            Name(),
            new("Desired", "integer", 0, (o, _) => N(o.Long("spec", "replicas"))),
            new("Current", "integer", 0, (o, _) => N(o.Long("status", "replicas"))),
            new("Ready", "integer", 0, (o, _) => N(o.Long("status", "readyReplicas"))),
            Age(),
        ],
        "DaemonSet" =>
        [
            Name(),
            new("Desired", "integer", 0, (o, _) => N(o.Long("status", "desiredNumberScheduled"))),
            new("Current", "integer", 0, (o, _) => N(o.Long("status", "currentNumberScheduled"))),
            new("Ready", "integer", 0, (o, _) => N(o.Long("status", "numberReady"))),
            new("Up-to-date", "integer", 0, (o, _) => N(o.Long("status", "updatedNumberScheduled"))),
            new("Available", "integer", 0, (o, _) => N(o.Long("status", "numberAvailable"))),
            new("Node Selector", "string", 0, (o, _) => o.Get("spec", "template", "spec", "nodeSelector").StringMap() is { Count: > 0 } m ? string.Join(",", m.Select(p => $"{p.Key}={p.Value}")) : "<none>"),
            Age(),
        ],
        "Job" =>
        [
            Name(),
            new("Status", "string", 0, (o, _) => Controllers.PodConditions.Status(o, "Complete") == "True" ? "Complete" : Controllers.PodConditions.Status(o, "Failed") == "True" ? "Failed" : Controllers.PodConditions.Status(o, "Suspended") == "True" ? "Suspended" : "Running"),
            new("Completions", "string", 0, (o, _) => $"{o.Long("status", "succeeded") ?? 0}/{o.Long("spec", "completions") ?? 1}"),
            new("Duration", "string", 0, (o, now) => Human(o.Str("status", "startTime"), JsonTools.ParseTimestamp(o.Str("status", "completionTime")) ?? now)),
            Age(),
        ],
        "Service" =>
        [
            Name(),
            new("Type", "string", 0, (o, _) => o.Str("spec", "type")),
            new("Cluster-IP", "string", 0, (o, _) => o.Str("spec", "clusterIP") ?? "<none>"),
            new("External-IP", "string", 0, (o, _) => o.Arr("status", "loadBalancer", "ingress")?.OfType<JsonObject>().Select(i => i.Str("ip") ?? i.Str("hostname")).FirstOrDefault() ?? (o.Str("spec", "type") == "LoadBalancer" ? "<pending>" : "<none>")),
            new("Port(s)", "string", 0, (o, _) => o.Arr("spec", "ports")?.OfType<JsonObject>().Select(p => p.Long("nodePort") is { } np ? $"{p.Long("port")}:{np}/{p.Str("protocol")}" : $"{p.Long("port")}/{p.Str("protocol")}") is { } ports ? string.Join(",", ports) : "<none>"),
            Age(),
        ],
        "PersistentVolumeClaim" =>
        [
            Name(),
            new("Status", "string", 0, (o, _) => o.Str("metadata", "deletionTimestamp") is not null ? "Terminating" : o.Str("status", "phase")),
            new("Volume", "string", 0, (o, _) => o.Str("spec", "volumeName") ?? ""),
            new("Capacity", "string", 0, (o, _) => o.Str("status", "capacity", "storage") ?? ""),
            new("Access Modes", "string", 0, (o, _) => AccessModes(o.Arr("status", "accessModes"))),
            new("StorageClass", "string", 0, (o, _) => o.Str("spec", "storageClassName") ?? ""),
            new("VolumeAttributesClass", "string", 0, (o, _) => o.Str("spec", "volumeAttributesClassName") ?? "<unset>"),
            Age(),
        ],
        "PersistentVolume" =>
        [
            Name(),
            new("Capacity", "string", 0, (o, _) => o.Str("spec", "capacity", "storage") ?? ""),
            new("Access Modes", "string", 0, (o, _) => AccessModes(o.Arr("spec", "accessModes"))),
            new("Reclaim Policy", "string", 0, (o, _) => o.Str("spec", "persistentVolumeReclaimPolicy")),
            new("Status", "string", 0, (o, _) => o.Str("metadata", "deletionTimestamp") is not null ? "Terminating" : o.Str("status", "phase")),
            new("Claim", "string", 0, (o, _) => o.Str("spec", "claimRef", "name") is { } c ? $"{o.Str("spec", "claimRef", "namespace")}/{c}" : ""),
            new("StorageClass", "string", 0, (o, _) => o.Str("spec", "storageClassName") ?? ""),
            new("VolumeAttributesClass", "string", 0, (o, _) => o.Str("spec", "volumeAttributesClassName") ?? "<unset>"),
            new("Reason", "string", 0, (o, _) => o.Str("status", "reason") ?? ""),
            Age(),
        ],
        "Namespace" =>
        [
            Name(),
            new("Status", "string", 0, (o, _) => o.Str("status", "phase")),
            Age(),
        ],
        "Event" =>
        [
            new("Last Seen", "string", 0, (o, now) => Human(o.Str("lastTimestamp") ?? o.Str("eventTime"), now)),
            new("Type", "string", 0, (o, _) => o.Str("type")),
            new("Reason", "string", 0, (o, _) => o.Str("reason")),
            new("Object", "string", 0, (o, _) => $"{o.Str("involvedObject", "kind")?.ToLowerInvariant()}/{o.Str("involvedObject", "name")}"),
            new("Message", "string", 0, (o, _) => o.Str("message")),
        ],
        _ =>
        [
            Name(),
            new("Created At", "date", 0, (o, _) => o.Str("metadata", "creationTimestamp")),
        ],
    };

    private static string PodStatus(JsonObject pod)
    {
        if (pod.Str("metadata", "deletionTimestamp") is not null) return "Terminating";
        var phase = pod.Str("status", "phase") ?? "Pending";
        foreach (var c in pod.Arr("status", "containerStatuses")?.OfType<JsonObject>() ?? [])
        {
            if (c.Str("state", "waiting", "reason") is { } waiting) return waiting;
            if (phase is "Succeeded" or "Failed" && c.Str("state", "terminated", "reason") is { } terminated) return terminated;
        }
        return phase;
    }

    private static string AccessModes(JsonArray? modes)
        => modes is null ? "" : string.Join(",", modes.Select(JsonTools.Display).Select(m => m switch
        {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            _ => m,
        }));

    /// <summary>kubectl's human-readable duration ("45s", "3m12s", "2d3h").</summary>
    private static string Human(string? since, DateTimeOffset now)
    {
        if (JsonTools.ParseTimestamp(since) is not { } t) return "<unknown>";
        var d = now - t;
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        var s = (long)d.TotalSeconds;
        if (s < 120) return $"{s}s";
        var m = s / 60;
        if (m < 10) return s % 60 == 0 ? $"{m}m" : $"{m}m{s % 60}s";
        if (m < 180) return $"{m}m";
        var h = m / 60;
        if (h < 8) return m % 60 == 0 ? $"{h}h" : $"{h}h{m % 60}m";
        if (h < 48) return $"{h}h";
        if (h < 24 * 8) return h % 24 == 0 ? $"{h / 24}d" : $"{h / 24}d{h % 24}h";
        if (h < 24 * 365 * 2) return $"{h / 24}d";
        return $"{h / 24 / 365}y{h / 24 % 365}d";
    }
}
