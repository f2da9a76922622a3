using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Http;

/// <summary>The discovery documents: /version, /api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version}.</summary>
internal static class Discovery
{
    public static JsonObject Version(SimulatedClusterOptions options)
    {
        var v = options.KubernetesVersion.TrimStart('v').Split('.');
        return new JsonObject
        {
            ["major"] = v.Length > 0 ? v[0] : "1",
            ["minor"] = v.Length > 1 ? v[1] : "33",
            ["emulationMajor"] = v.Length > 0 ? v[0] : "1",
            ["emulationMinor"] = v.Length > 1 ? v[1] : "33",
            ["minCompatibilityMajor"] = v.Length > 0 ? v[0] : "1",
            ["minCompatibilityMinor"] = v.Length > 1 && int.TryParse(v[1], out var m) ? (m - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : "32",
            ["gitVersion"] = options.KubernetesVersion,
            ["gitCommit"] = "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2025-05-15T08:19:08Z",
            ["goVersion"] = "go1.24.2",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject CoreVersions(Uri baseUri) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = baseUri.Authority,
        }),
    };

    public static JsonObject GroupList(ResourceRegistry registry)
    {
        var groups = new JsonArray();
        foreach (var (name, versions) in registry.Groups()) groups.Add(Group(name, versions, withKind: false));
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? GroupDocument(ResourceRegistry registry, string group)
    {
        var entry = registry.Groups().FirstOrDefault(g => g.Group == group);
        return entry.Group is null ? null : Group(entry.Group, entry.Versions, withKind: true);
    }

    private static JsonObject Group(string name, List<string> versions, bool withKind)
    {
        var o = new JsonObject();
        if (withKind)
        {
            o["kind"] = "APIGroup";
            o["apiVersion"] = "v1";
        }
        o["name"] = name;
        var arr = new JsonArray();
        foreach (var v in versions) arr.Add(new JsonObject { ["groupVersion"] = $"{name}/{v}", ["version"] = v });
        o["versions"] = arr;
        o["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{versions[0]}", ["version"] = versions[0] };
        return o;
    }

    /// <summary>The APIResourceList of a group/version, with subresources; null when not served.</summary>
    public static JsonObject? ResourceList(ResourceRegistry registry, string group, string version)
    {
        var types = registry.InGroupVersion(group, version);
        if (types.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(t.Verbs.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            };
            if (t.ShortNames.Count > 0) r["shortNames"] = new JsonArray(t.ShortNames.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            if (t.Categories.Count > 0) r["categories"] = new JsonArray(t.Categories.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            r["storageVersionHash"] = StorageVersionHash(t);
            resources.Add(r);
            if (t.HasStatus) resources.Add(Sub(t, "status", t.Kind, ["get", "patch", "update"]));
            if (t.Scale is not null)
            {
                var s = Sub(t, "scale", "Scale", ["get", "patch", "update"]);
                s["group"] = "autoscaling";
                s["version"] = "v1";
                resources.Add(s);
            }
            if (t.Kind == "Pod" && t.Group.Length == 0) resources.Add(Sub(t, "binding", "Binding", ["create"]));
            if (t.Kind == "Namespace" && t.Group.Length == 0) resources.Add(Sub(t, "finalize", "Namespace", ["update"]));
        }
        var list = new JsonObject { ["kind"] = "APIResourceList" };
        if (group.Length > 0) list["apiVersion"] = "v1";
        list["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}";
        list["resources"] = resources;
        return list;
    }

    private static JsonObject Sub(ResourceType t, string sub, string kind, string[] verbs) => new()
    {
        ["name"] = $"{t.Plural}/{sub}",
        ["singularName"] = "",
        ["namespaced"] = t.Namespaced,
        ["kind"] = kind,
        ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
    };

    private static string StorageVersionHash(ResourceType t)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{t.Group}/{t.StorageVersion}/{t.Kind}"));
        return Convert.ToBase64String(bytes, 0, 8);
    }
}
