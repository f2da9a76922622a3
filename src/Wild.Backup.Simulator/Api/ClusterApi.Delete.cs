using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Resources.Kinds;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Api;

internal sealed partial class ClusterApi
{
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";
    private static readonly string[] ImmortalNamespaces = ["default", "kube-system", "kube-public"];

    /// <summary>
    /// DELETE: preconditions, propagation policy finalizers (orphan / foregroundDeletion), graceful pod
    /// deletion, namespace termination, and deletion pending finalizers (deletionTimestamp set, object
    /// kept). Answers with the object or a Status, as the kind's real registry does.
    /// </summary>
    public JsonObject Delete(GroupVersionResource gvr, string? ns, string name, DeleteOptions options, RequestInfo info)
    {
        var type = Resolve(gvr);
        var key = new ObjectKey(NamespaceFor(type, ns) ?? "", name);
        var isNamespace = type.GroupResource == GroupVersionResource.Namespaces.GroupResource;
        var isPod = type.GroupResource == GroupVersionResource.Pods.GroupResource;
        if (isNamespace && ImmortalNamespaces.Contains(name))
        {
            throw Errors.Forbidden("", "namespaces", name, "this namespace may not be deleted");
        }
        var policy = options.PropagationPolicy;
        if (policy is null && options.OrphanDependents is { } orphan) policy = orphan ? "Orphan" : "Background";
        if (policy is not null && policy is not ("Foreground" or "Background" or "Orphan"))
        {
            throw Errors.Invalid("meta.k8s.io", "DeleteOptions", "", [FieldError.NotSupported("propagationPolicy", policy, ["Foreground", "Background", "Orphan"])]);
        }
        if (policy is null && type.DefaultPropagation == "Orphan" && type.Kind == "Job")
        {
            info.Warnings.Add("child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning");
        }
        policy ??= type.DefaultPropagation;

        for (var attempt = 0; ; attempt++)
        {
            var stored = rt.Store.Get(type.GroupResource, key) ?? throw Errors.NotFound(type.Group, type.Plural, name);
            var current = stored.Parse();
            var currentUid = current.Str("metadata", "uid");
            if (options.PreconditionUid is { Length: > 0 } puid && puid != currentUid)
            {
                throw Errors.Conflict(type.Group, type.Plural, name, $"Precondition failed: UID in precondition: {puid}, UID in object meta: {currentUid}");
            }
            if (options.PreconditionResourceVersion is { Length: > 0 } prv && prv != stored.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw Errors.Conflict(type.Group, type.Plural, name, $"Precondition failed: ResourceVersion in precondition: {prv}, ResourceVersion in object meta: {stored.ResourceVersion}");
            }

            var updated = current.CloneObject();
            var meta = updated.Ensure("metadata");
            var finalizers = meta["finalizers"] as JsonArray ?? new JsonArray();
            var names = finalizers.Select(JsonTools.Display).ToList();
            var deleting = meta.Str("deletionTimestamp") is not null;

            // Propagation policy is recorded as a finalizer for the garbage collector.
            if (policy == "Orphan" && !names.Contains(OrphanFinalizer) && !(deleting && names.Count == 0))
            {
                names.Remove(ForegroundFinalizer);
                names.Add(OrphanFinalizer);
            }
            else if (policy == "Foreground" && !names.Contains(ForegroundFinalizer) && !(deleting && names.Count == 0))
            {
                names.Remove(OrphanFinalizer);
                names.Add(ForegroundFinalizer);
            }
            else if (policy == "Background" && !deleting)
            {
                names.Remove(OrphanFinalizer);
                names.Remove(ForegroundFinalizer);
            }
            var finalizersChanged = !names.SequenceEqual(finalizers.Select(JsonTools.Display));
            if (names.Count > 0) meta["finalizers"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray());
            else meta.Remove("finalizers");

            var now = rt.Now;
            long grace = 0;
            if (isPod)
            {
                var phase = current.Str("status", "phase");
                var scheduled = !string.IsNullOrEmpty(current.Str("spec", "nodeName"));
                grace = options.GracePeriodSeconds ?? current.Long("spec", "terminationGracePeriodSeconds") ?? 30;
                if (!scheduled || phase is "Succeeded" or "Failed") grace = 0;
                if (grace < 0) grace = 1;
                if (deleting)
                {
                    var existing = current.Long("metadata", "deletionGracePeriodSeconds") ?? 0;
                    grace = Math.Min(grace, existing);
                }
            }
            var pendingNamespace = isNamespace && current.Arr("spec", "finalizers") is { Count: > 0 };

            if (names.Count > 0 || grace > 0 || pendingNamespace)
            {
                if (deleting && !finalizersChanged && grace >= (current.Long("metadata", "deletionGracePeriodSeconds") ?? 0))
                {
                    return Output(current, type, gvr.Version);
                }
                if (!deleting || grace < (current.Long("metadata", "deletionGracePeriodSeconds") ?? 0))
                {
                    meta["deletionTimestamp"] = JsonTools.Timestamp(now.AddSeconds(grace));
                    meta["deletionGracePeriodSeconds"] = grace;
                    if (type.TracksGeneration && !deleting && meta.Long("generation") is > 0 and var g) meta["generation"] = g + 1;
                }
                if (isNamespace) updated.Ensure("status")["phase"] = "Terminating";
                if (options.DryRun) return Output(updated, type, gvr.Version);
                if (names.Count == 0 && grace == 0 && !pendingNamespace)
                {
                    // Shortened grace period to zero with no finalizers: delete now.
                    goto deleteNow;
                }
                try
                {
                    var written = rt.Store.Update(type.GroupResource, key, updated, stored.ResourceVersion);
                    return Output(written.Parse(), type, gvr.Version);
                }
                catch (KubeApiException e) when (e.Code == 409 && attempt < 50)
                {
                    continue;
                }
            }

        deleteNow:
            if (options.DryRun) return DeletedResponse(type, gvr.Version, current);
            try
            {
                var final = rt.Store.Delete(type.GroupResource, key, stored.ResourceVersion);
                return DeletedResponse(type, gvr.Version, final.Parse());
            }
            catch (KubeApiException e) when (e.Code == 409 && attempt < 50)
            {
            }
        }
    }

    private static JsonObject DeletedResponse(ResourceType type, string version, JsonObject final)
    {
        if (type.ReturnDeletedObject) return Output(final, type, version);
        var details = KubeApiException.MakeDetails(final.Str("metadata", "name"), type.Group, type.Plural, uid: final.Str("metadata", "uid"));
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    public JsonObject DeleteCollection(GroupVersionResource gvr, string? ns, ListOptions listOptions, DeleteOptions options, RequestInfo info)
    {
        var type = Resolve(gvr);
        if (type.GroupResource == GroupVersionResource.Namespaces.GroupResource) throw Errors.MethodNotSupported("", "namespaces", "deletecollection");
        var list = ListAsync(gvr, ns, new ListOptions { LabelSelector = listOptions.LabelSelector, FieldSelector = listOptions.FieldSelector }, CancellationToken.None, stripItemKinds: false)
            .GetAwaiter().GetResult();
        var deleted = new JsonArray();
        foreach (var item in list.Arr("items")!.OfType<JsonObject>())
        {
            try
            {
                var result = Delete(gvr, item.Str("metadata", "namespace"), item.Str("metadata", "name")!, options, info);
                deleted.Add(result.Str("kind") == "Status" ? item.CloneObject() : result);
            }
            catch (KubeApiException e) when (e.Code == 404)
            {
                // Deleted concurrently.
            }
        }
        return new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion(gvr.Version),
            ["metadata"] = new JsonObject { ["resourceVersion"] = rt.Store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        };
    }
}
