using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>ControllerRevision objects for StatefulSets and DaemonSets ("&lt;owner&gt;-&lt;hash&gt;", revision numbers).</summary>
internal static class ControllerRevisions
{
    public const string HashLabel = "controller-revision-hash";

    /// <summary>Ensures the revision for the owner's current template exists; returns its name.</summary>
    public static string Ensure(ClusterRuntime rt, JsonObject owner, string hash, WriteOptions write)
    {
        var ns = owner.Str("metadata", "namespace")!;
        var name = $"{owner.Str("metadata", "name")}-{hash}";
        if (rt.GetObject(GroupVersionResource.ControllerRevisions, ns, name) is not null) return name;
        var existing = rt.Store.List(GroupVersionResource.ControllerRevisions.GroupResource, ns).Items.Select(i => i.Parse())
            .Where(r => Owners.IsControlledBy(r, owner)).ToList();
        var revision = existing.Select(r => r.Long("revision") ?? 0).DefaultIfEmpty(0).Max() + 1;
        var template = owner.Obj("spec", "template")?.CloneObject() ?? new JsonObject();
        template["$patch"] = "replace";
        var labels = owner.Obj("spec", "template", "metadata", "labels")?.CloneObject() ?? new JsonObject();
        labels["controller.kubernetes.io/hash"] = hash;
        try
        {
            rt.Api.Create(GroupVersionResource.ControllerRevisions, ns, new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ControllerRevision",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["labels"] = labels,
                    ["ownerReferences"] = new JsonArray(Owners.ControllerRef(owner)),
                },
                ["data"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = template } },
                ["revision"] = revision,
            }, write, new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
        }
        return name;
    }
}
