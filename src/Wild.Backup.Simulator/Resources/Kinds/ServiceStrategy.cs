using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Validation;

namespace Wild.Backup.Simulator.Resources.Kinds;

/// <summary>
/// Services: defaults, ClusterIP and NodePort allocation, allocated values kept when an update omits
/// them, immutable clusterIP, ports required (except headless/ExternalName).
/// </summary>
internal sealed class ServiceStrategy : ResourceStrategy
{
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        SetDefault(spec, "type", "ClusterIP");
        SetDefault(spec, "sessionAffinity", "None");
        var type = spec.Str("type");
        if (type != "ExternalName")
        {
            SetDefault(spec, "internalTrafficPolicy", "Cluster");
            SetDefault(spec, "ipFamilies", new JsonArray("IPv4"));
            SetDefault(spec, "ipFamilyPolicy", "SingleStack");
        }
        if (type is "NodePort" or "LoadBalancer") SetDefault(spec, "externalTrafficPolicy", "Cluster");
        if (type == "LoadBalancer") SetDefault(spec, "allocateLoadBalancerNodePorts", true);
        if (spec["ports"] is JsonArray ports)
        {
            foreach (var p in ports.OfType<JsonObject>())
            {
                SetDefault(p, "protocol", "TCP");
                if (p["targetPort"] is null && p["port"] is { } port) p["targetPort"] = port.DeepClone();
            }
        }
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
        var spec = obj.Ensure("spec");
        var type = spec.Str("type");
        if (type == "ExternalName") return;
        var requested = spec.Str("clusterIP");
        if (string.IsNullOrEmpty(requested))
        {
            var ip = ctx.Runtime.Allocators.AllocateClusterIp(null);
            spec["clusterIP"] = ip;
        }
        else if (requested != "None")
        {
            if (!ctx.Runtime.Allocators.TryReserveClusterIp(requested, out var problem))
            {
                throw Errors.Invalid("", "Service", obj.Str("metadata", "name") ?? "",
                    [FieldError.InvalidRaw("spec.clusterIPs", $"[]string{{\"{requested}\"}}", $"failed to allocate IP {requested}: {problem}")]);
            }
        }
        spec["clusterIPs"] = new JsonArray(spec.Str("clusterIP"));
        AllocateNodePorts(spec, null, ctx);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        // patchAllocatedValues: an update that leaves clusterIP/nodePort empty keeps the allocated ones.
        if (string.IsNullOrEmpty(spec.Str("clusterIP")) && oldSpec.Str("clusterIP") is { } oldIp && spec.Str("type") != "ExternalName")
        {
            spec["clusterIP"] = oldIp;
        }
        if (spec["clusterIPs"] is null && oldSpec["clusterIPs"] is { } oldIps && spec.Str("clusterIP") == oldSpec.Str("clusterIP"))
        {
            spec["clusterIPs"] = oldIps.DeepClone();
        }
        AllocateNodePorts(spec, oldSpec, ctx);
    }

    private static void AllocateNodePorts(JsonObject spec, JsonObject? oldSpec, StrategyContext ctx)
    {
        if (spec.Str("type") is not ("NodePort" or "LoadBalancer") || spec["ports"] is not JsonArray ports) return;
        foreach (var p in ports.OfType<JsonObject>())
        {
            if (p["nodePort"] is not null) continue;
            var old = oldSpec?.Arr("ports")?.OfType<JsonObject>().FirstOrDefault(o => o.Long("port") == p.Long("port") && o.Str("protocol") == p.Str("protocol"));
            p["nodePort"] = old?.Long("nodePort") ?? ctx.Runtime.Allocators.AllocateNodePort();
        }
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var type = spec.Str("type") ?? "ClusterIP";
        if (!Types.Contains(type)) errors.Add(FieldError.NotSupported("spec.type", type, Types));
        var headless = spec.Str("clusterIP") == "None";
        var ports = spec.Arr("ports");
        if (type == "ExternalName")
        {
            if (string.IsNullOrEmpty(spec.Str("externalName"))) errors.Add(FieldError.Required("spec.externalName", ""));
        }
        else if ((ports is null || ports.Count == 0) && !headless)
        {
            errors.Add(FieldError.Required("spec.ports", ""));
        }
        if (ports is null) return;
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i] as JsonObject ?? new JsonObject();
            var path = $"spec.ports[{i}]";
            var name = p.Str("name") ?? "";
            if (ports.Count > 1 && name.Length == 0) errors.Add(FieldError.Required(path + ".name", ""));
            if (name.Length > 0)
            {
                foreach (var m in NameRules.IsDns1123Label(name)) errors.Add(FieldError.Invalid(path + ".name", name, m));
                if (!names.Add(name)) errors.Add(FieldError.Duplicate(path + ".name", name));
            }
            var port = p.Long("port");
            if (port is null) errors.Add(FieldError.Required(path + ".port", ""));
            else if (port is < 1 or > 65535) errors.Add(FieldError.InvalidRaw(path + ".port", port.ToString()!, "must be between 1 and 65535, inclusive"));
            if (p.Str("protocol") is { } proto && proto is not ("TCP" or "UDP" or "SCTP"))
            {
                errors.Add(FieldError.NotSupported(path + ".protocol", proto, ["SCTP", "TCP", "UDP"]));
            }
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        var oldIp = old.Str("spec", "clusterIP");
        var newIp = obj.Str("spec", "clusterIP");
        var typeChangesToExternalName = obj.Str("spec", "type") == "ExternalName" && old.Str("spec", "type") != "ExternalName";
        if (!string.IsNullOrEmpty(oldIp) && newIp != oldIp && !typeChangesToExternalName)
        {
            errors.Add(FieldError.Invalid("spec.clusterIP", newIp ?? "", "field is immutable"));
        }
    }

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;
}
