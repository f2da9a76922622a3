using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>Base of the simulated longhorn-manager controllers: writes as <c>longhorn-manager</c>, status through the status subresource.</summary>
internal abstract class LonghornController(LonghornContext lh, string name) : Controller(lh.Runtime, name)
{
    protected LonghornContext Lh => lh;

    protected override string FieldManager => LonghornKube.Manager;

    /// <summary>Longhorn's clock (this machine's moved by <see cref="LonghornOptions.ClockSkew"/>).</summary>
    protected DateTimeOffset Clock => Lh.Clock;

    protected string Now => JsonTools.Timestamp(Lh.Clock);

    protected static ObjectRef Key(GroupVersionResource resource, string name) => new(resource.GroupResource, LonghornKube.Namespace, name);

    protected JsonObject? Get(GroupVersionResource resource, string name) => Lh.Store.Get(resource, name);

    /// <summary>Replaces the status (through /status) unless it is already <paramref name="status"/>; returns the object as stored.</summary>
    protected JsonObject WriteStatus(GroupVersionResource resource, JsonObject current, JsonObject status)
    {
        if (JsonTools.DeepEquals(current["status"], status)) return current;
        var updated = current.CloneObject();
        updated["status"] = status;
        return Api.Replace(resource, LonghornKube.Namespace, current.Str("metadata", "name")!, updated, "status", Write, new RequestInfo());
    }

    /// <summary>A merge patch of the main resource (spec, labels).</summary>
    protected JsonObject MergePatch(GroupVersionResource resource, string name, JsonObject patch) =>
        Api.Patch(resource, LonghornKube.Namespace, name, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());

    protected JsonObject Create(GroupVersionResource resource, JsonObject obj)
    {
        obj["apiVersion"] = LonghornKube.ApiVersion;
        obj.Ensure("metadata")["namespace"] = LonghornKube.Namespace;
        return Api.Create(resource, LonghornKube.Namespace, obj, Write, new RequestInfo());
    }

    protected void RemoveLonghornFinalizer(GroupVersionResource resource, string name) =>
        RemoveFinalizer(resource, LonghornKube.Namespace, name, LonghornKube.Finalizer);

    protected static bool IsDeleting(JsonObject obj) => obj.Str("metadata", "deletionTimestamp") is not null;

    /// <summary>Asks the BackupVolume controller to sync (what longhorn-manager does by setting spec.syncRequestedAt, to
    /// <paramref name="at"/> or now).</summary>
    protected void RequestBackupVolumeSync(string targetName, string volumeName, DateTimeOffset? at = null)
    {
        if (Lh.Store.BackupVolume(targetName, volumeName) is not { } bv || IsDeleting(bv)) return;
        try
        {
            MergePatch(LonghornKube.BackupVolumes, bv.Str("metadata", "name")!, new JsonObject { ["spec"] = new JsonObject { ["syncRequestedAt"] = JsonTools.Timestamp(at ?? Clock) } });
        }
        catch (KubeApiException e) when (e.Code is 404 or 409)
        {
            // Gone or changed meanwhile: its own controller syncs it on that change.
        }
    }

    /// <summary>Deletes an object that is missing from the store without touching the store: the label
    /// <c>longhorn.io/delete-custom-resource-only</c> first, then the delete (datastore.AddBackupDeleteCustomResourceOnlyLabel,
    /// AddBackupVolumeDeleteCustomResourceOnlyLabel).</summary>
    protected void DeleteObjectOnly(GroupVersionResource resource, string name)
    {
        try
        {
            MergePatch(resource, name, new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [LonghornKube.LabelDeleteCustomResourceOnly] = "true" } } });
            Api.Delete(resource, LonghornKube.Namespace, name, new DeleteOptions(), new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code is 404 or 409)
        {
        }
    }

    /// <summary>A Longhorn condition list with one condition set; lastTransitionTime moves only when its status changes.</summary>
    protected JsonArray SetCondition(JsonNode? existing, string type, string status, string reason, string message)
    {
        var list = existing is JsonArray a ? (JsonArray)a.DeepClone() : [];
        var current = list.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        var transition = current is not null && current.Str("status") == status ? current.Str("lastTransitionTime") ?? Now : Now;
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastProbeTime"] = "",
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = message,
        };
        if (current is not null) list[list.IndexOf(current)] = condition;
        else list.Add(condition);
        return list;
    }
}
