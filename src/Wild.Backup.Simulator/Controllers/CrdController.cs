using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Resources.Kinds;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// apiextensions-apiserver's controllers: serves a CRD's resource once its names are accepted
/// (conditions NamesAccepted and Established), and on deletion marks it Terminating, deletes every
/// custom resource, stops serving and removes the cleanup finalizer.
/// </summary>
internal sealed class CrdController : Controller
{
    private readonly ConcurrentDictionary<string, GroupResource> served = new(StringComparer.Ordinal);

    public CrdController(ClusterRuntime rt) : base(rt, "crd") { }

    protected override string FieldManager => "kube-apiserver";

    protected override IEnumerable<GroupResource?> Watches => [GroupVersionResource.CustomResourceDefinitions.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e) => [Self(e)];

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var crd = Rt.GetObject(GroupVersionResource.CustomResourceDefinitions, null, key.Name);
        if (crd is null)
        {
            if (served.TryRemove(key.Name, out var gone)) Rt.Registry.Unregister(gone);
            return Task.CompletedTask;
        }
        var type = CustomResourceTypes.FromCrd(crd);
        if (crd.Str("metadata", "deletionTimestamp") is not null)
        {
            return TerminateAsync(key, crd, type);
        }

        var existing = Rt.Registry.Find(type.GroupResource);
        if (existing is not null && !existing.IsCustom)
        {
            SetStatus(crd, "NamesAccepted", "False", "NameConflict", $"\"{type.Plural}\" is already in use");
            return Task.CompletedTask;
        }
        Rt.Registry.Register(type);
        served[key.Name] = type.GroupResource;

        var status = crd.Ensure("status");
        var names = crd.Obj("spec", "names")!.CloneObject();
        var changed = !JsonTools.DeepEquals(status["acceptedNames"], names);
        status["acceptedNames"] = names;
        var now = Rt.Now;
        changed |= PodConditions.Set(crd, "NamesAccepted", "True", "NoConflicts", "no conflicts found", now, withProbeTime: false);
        changed |= PodConditions.Set(crd, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted", now, withProbeTime: false);
        if (changed)
        {
            Api.Replace(GroupVersionResource.CustomResourceDefinitions, null, key.Name, crd, "status", Write, new RequestInfo());
        }
        return Task.CompletedTask;
    }

    private void SetStatus(JsonObject crd, string type, string status, string reason, string message)
    {
        if (PodConditions.Set(crd, type, status, reason, message, Rt.Now, withProbeTime: false))
        {
            Api.Replace(GroupVersionResource.CustomResourceDefinitions, null, crd.Str("metadata", "name")!, crd, "status", Write, new RequestInfo());
        }
    }

    private Task TerminateAsync(ObjectRef key, JsonObject crd, ResourceType type)
    {
        SetStatus(crd, "Terminating", "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress");
        var (items, _) = Rt.Store.List(type.GroupResource, null);
        if (items.Count > 0)
        {
            var gvr = new GroupVersionResource(type.Group, type.Versions[0], type.Plural);
            foreach (var item in items)
            {
                if (item.Parse().Str("metadata", "deletionTimestamp") is not null) continue;
                try
                {
                    Api.Delete(gvr, item.Namespace.Length == 0 ? null : item.Namespace, item.Name, new DeleteOptions(), new RequestInfo());
                }
                catch (KubeApiException e) when (e.Code == 404)
                {
                }
            }
            EnqueueAfter(key, TimeSpan.FromMilliseconds(100));
            return Task.CompletedTask;
        }
        Rt.Registry.Unregister(type.GroupResource);
        served.TryRemove(key.Name, out _);
        RemoveFinalizer(GroupVersionResource.CustomResourceDefinitions, null, key.Name, CrdStrategy.CleanupFinalizer);
        return Task.CompletedTask;
    }
}
