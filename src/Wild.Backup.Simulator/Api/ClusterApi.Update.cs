using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Apply;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Api;

/// <summary>How a write records field ownership.</summary>
internal enum FieldsMode
{
    /// <summary>An Update operation by the request's field manager.</summary>
    RecordUpdate,

    /// <summary>Server-side apply already computed managedFields.</summary>
    Applied,

    /// <summary>Not tracked (pods/binding).</summary>
    None,
}

internal sealed partial class ClusterApi
{
    public JsonObject Replace(GroupVersionResource gvr, string? ns, string name, JsonObject body, string? subresource, WriteOptions options, RequestInfo info)
    {
        var type = Resolve(gvr);
        var manager = options.FieldManager ?? info.DefaultManager;
        switch (subresource)
        {
            case null:
                Func<JsonObject>? create = type.AllowCreateOnUpdate
                    ? () =>
                    {
                        info.StatusCode = 201;
                        return CreateCore(type, gvr.Version, ns, body.CloneObject(), options, info, manager, managedFieldsDone: false);
                    }
                    : null;
                return UpdateCore(type, gvr.Version, ns, name, _ => body.CloneObject(), null, options, info, manager, FieldsMode.RecordUpdate, create);
            case "status" when type.HasStatus:
                return UpdateCore(type, gvr.Version, ns, name, _ => body.CloneObject(), "status", options, info, manager, FieldsMode.RecordUpdate);
            case "finalize" when type.GroupResource == GroupVersionResource.Namespaces.GroupResource:
                return UpdateCore(type, gvr.Version, ns, name, _ => body.CloneObject(), "finalize", options, info, manager, FieldsMode.RecordUpdate);
            case "scale" when type.Scale is not null:
                return ReplaceScale(type, gvr, ns, name, body, options, info, manager);
            default:
                throw Errors.UnknownPath();
        }
    }

    public JsonObject PostSubresource(GroupVersionResource gvr, string? ns, string name, string subresource, JsonObject body, WriteOptions options, RequestInfo info)
    {
        var type = Resolve(gvr);
        if (subresource == "binding" && type.GroupResource == GroupVersionResource.Pods.GroupResource)
        {
            info.StatusCode = 201;
            return Bind(type, gvr.Version, ns, name, body, options, info);
        }
        throw Errors.UnknownPath();
    }

    /// <summary>pods/binding: sets spec.nodeName once and the PodScheduled condition (what the scheduler does).</summary>
    private JsonObject Bind(ResourceType type, string version, string? ns, string name, JsonObject binding, WriteOptions options, RequestInfo info)
    {
        var node = binding.Str("target", "name");
        if (string.IsNullOrEmpty(node))
        {
            throw Errors.Invalid("", "Binding", name, [FieldError.Required("target.name", "")]);
        }
        UpdateCore(type, version, ns, name, current =>
        {
            var pod = current.CloneObject();
            var assigned = pod.Str("spec", "nodeName");
            if (!string.IsNullOrEmpty(assigned))
            {
                throw Errors.Conflict("", "pods/binding", name, $"pod {name} is already assigned to node \"{assigned}\"");
            }
            if (pod.Str("metadata", "deletionTimestamp") is not null)
            {
                throw Errors.Conflict("", "pods/binding", name, $"pod {name} is being deleted, cannot be assigned to a host");
            }
            pod.Ensure("spec")["nodeName"] = node;
            Controllers.PodConditions.Set(pod, "PodScheduled", "True", null, null, rt.Now);
            return pod;
        }, "binding", options, info, options.FieldManager ?? "kube-scheduler", FieldsMode.None);
        return new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["code"] = 201,
        };
    }

    /// <summary>
    /// The update path shared by PUT, PATCH, apply and the subresources: resourceVersion and UID
    /// preconditions, identity checks, subresource merging, defaults, generation, validation,
    /// finalizer rules, managed fields, no-op detection, dry-run, storage, and deletion when the last
    /// finalizer of a deleting object goes. Retries internally when a concurrent write lands between
    /// read and write and the request carried no resourceVersion of its own.
    /// </summary>
    private JsonObject UpdateCore(ResourceType type, string version, string? ns, string name, Func<JsonObject, JsonObject> produce,
        string? subresource, WriteOptions options, RequestInfo info, string manager, FieldsMode fieldsMode, Func<JsonObject>? createIfMissing = null)
    {
        var key = new ObjectKey(NamespaceFor(type, ns) ?? "", name);
        for (var attempt = 0; ; attempt++)
        {
            var stored = rt.Store.Get(type.GroupResource, key);
            if (stored is null)
            {
                if (createIfMissing is not null) return createIfMissing();
                throw Errors.NotFound(type.Group, type.Plural, name);
            }
            var current = stored.Parse();
            var desired = produce(current);
            if (!type.IsCustom) DropNulls(desired);
            var subresourceForFields = subresource is "status" ? "status" : null;

            var bodyRv = desired.Str("metadata", "resourceVersion");
            if (!string.IsNullOrEmpty(bodyRv))
            {
                if (!long.TryParse(bodyRv, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) || rv != stored.ResourceVersion)
                {
                    throw Errors.StaleResourceVersion(type.Group, type.Plural, name);
                }
            }
            else if (!type.AllowUnconditionalUpdate && subresource is null or "status")
            {
                throw Errors.Invalid(type.Group, type.Kind, name, [FieldError.InvalidRaw("metadata.resourceVersion", "0x0", "must be specified for an update")]);
            }

            CheckKind(desired, type, version);
            var dmeta = desired.Ensure("metadata");
            var bodyName = dmeta.Str("name") ?? "";
            if (bodyName != name)
            {
                throw Errors.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }
            if (type.Namespaced)
            {
                var bodyNs = dmeta.Str("namespace");
                if (string.IsNullOrEmpty(bodyNs)) dmeta["namespace"] = key.Namespace;
                else if (bodyNs != key.Namespace) throw Errors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            else
            {
                dmeta.Remove("namespace");
            }
            var currentUid = current.Str("metadata", "uid");
            if (dmeta.Str("uid") is { Length: > 0 } uid && uid != currentUid)
            {
                throw Errors.Conflict(type.Group, type.Plural, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {currentUid}");
            }

            JsonObject result;
            switch (subresource)
            {
                case "status":
                    result = current.CloneObject();
                    if (desired["status"] is { } st) result["status"] = st.DeepClone();
                    else result.Remove("status");
                    break;
                case "finalize":
                    result = current.CloneObject();
                    result.Ensure("spec")["finalizers"] = desired.Get("spec", "finalizers")?.DeepClone() ?? new JsonArray();
                    break;
                case "binding":
                    result = desired;
                    break;
                default:
                    result = desired;
                    var rmeta = result.Ensure("metadata");
                    var cmeta = current.Ensure("metadata");
                    foreach (var f in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation" })
                    {
                        if (cmeta[f] is { } v) rmeta[f] = v.DeepClone();
                        else rmeta.Remove(f);
                    }
                    rmeta.Remove("selfLink");
                    if (type.HasStatus)
                    {
                        if (current["status"] is { } cst) result["status"] = cst.DeepClone();
                        else result.Remove("status");
                    }
                    break;
            }

            if (fieldsMode == FieldsMode.Applied && !ReferenceEquals(result, desired))
            {
                if (desired.Get("metadata", "managedFields") is { } applied) result.Ensure("metadata")["managedFields"] = applied.DeepClone();
                else result.Ensure("metadata").Remove("managedFields");
            }

            var ctx = Context(type, subresource, options.DryRun);
            if (subresource is null) type.Strategy.ApplyDefaults(result, ctx);
            type.Strategy.PrepareForUpdate(result, current, ctx);
            if (type.TracksGeneration && subresource is null && type.Strategy.SpecChanged(result, current, ctx))
            {
                result.Ensure("metadata")["generation"] = (current.Long("metadata", "generation") ?? 0) + 1;
            }
            var review = subresource is null
                ? new Extensibility.AdmissionReview
                {
                    Operation = Extensibility.AdmissionOperation.Update, Resource = type.GroupResource, Namespace = type.Namespaced ? key.Namespace : null,
                    Name = name, Object = result, OldObject = current, DryRun = options.DryRun,
                }
                : null;
            if (review is not null) rt.Admission.Run(Extensibility.AdmissionPhase.Mutating, review);
            if (subresource is not "binding" and not "finalize") Validate(type, result, current, subresource, ctx);
            if (review is not null) rt.Admission.Run(Extensibility.AdmissionPhase.Validating, review);

            if (current.Str("metadata", "deletionTimestamp") is not null)
            {
                var before = current.Arr("metadata", "finalizers")?.Select(JsonTools.Display).ToHashSet() ?? [];
                var added = result.Arr("metadata", "finalizers")?.Select(JsonTools.Display).Where(f => !before.Contains(f)).ToList() ?? [];
                if (added.Count > 0)
                {
                    throw Errors.Invalid(type.Group, type.Kind, name,
                        [FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(a => $"\"{a}\""))}}}")]);
                }
            }

            var now = rt.Now;
            if (fieldsMode == FieldsMode.RecordUpdate)
            {
                ManagedFields.RecordUpdate(current, result, type, manager, type.ApiVersion(version), subresourceForFields, now);
            }
            else if (fieldsMode == FieldsMode.None)
            {
                if (current.Get("metadata", "managedFields") is { } mf) result.Ensure("metadata")["managedFields"] = mf.DeepClone();
            }
            result["apiVersion"] = type.ApiVersion(type.StorageVersion);
            info.Warnings.AddRange(ctx.Warnings);

            var comparableOld = current.CloneObject();
            comparableOld.Ensure("metadata").Remove("resourceVersion");
            var comparableNew = result.CloneObject();
            comparableNew.Ensure("metadata").Remove("resourceVersion");
            if (JsonTools.DeepEquals(comparableOld, comparableNew))
            {
                return Output(current, type, version);
            }
            if (options.DryRun)
            {
                result.Ensure("metadata")["resourceVersion"] = stored.ResourceVersion.ToString(CultureInfo.InvariantCulture);
                return Output(result, type, version);
            }

            StoredObject written;
            try
            {
                written = rt.Store.Update(type.GroupResource, key, result, stored.ResourceVersion);
            }
            catch (KubeApiException e) when (e.Code == 409 && attempt < 50)
            {
                continue;
            }

            if (ShouldDeleteAfterUpdate(type, result))
            {
                try
                {
                    var final = rt.Store.Delete(type.GroupResource, key, written.ResourceVersion);
                    return Output(final.Parse(), type, version);
                }
                catch (KubeApiException e) when (e.Code is 404 or 409)
                {
                    // A concurrent writer got there first; its write decides.
                }
            }
            return Output(written.Parse(), type, version);
        }
    }

    /// <summary>An object being deleted is removed once no finalizers remain (and its grace period is over).</summary>
    private static bool ShouldDeleteAfterUpdate(ResourceType type, JsonObject obj)
    {
        if (obj.Str("metadata", "deletionTimestamp") is null) return false;
        if (obj.Arr("metadata", "finalizers") is { Count: > 0 }) return false;
        if ((obj.Long("metadata", "deletionGracePeriodSeconds") ?? 0) > 0) return false;
        if (type.GroupResource == GroupVersionResource.Namespaces.GroupResource && obj.Arr("spec", "finalizers") is { Count: > 0 }) return false;
        return true;
    }
}
