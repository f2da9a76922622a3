using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Apply;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Api;

internal sealed partial class ClusterApi
{
    public JsonObject Create(GroupVersionResource gvr, string? ns, JsonObject body, WriteOptions options, RequestInfo info)
    {
        var type = Resolve(gvr);
        info.StatusCode = 201;
        return CreateCore(type, gvr.Version, ns, body.CloneObject(), options, info, options.FieldManager ?? info.DefaultManager, managedFieldsDone: false);
    }

    /// <summary>
    /// The create path: identity and system fields, defaults and strategy, custom-resource schema,
    /// validation, namespace admission, managed fields, then storage (unless dry-run).
    /// </summary>
    private JsonObject CreateCore(ResourceType type, string version, string? ns, JsonObject obj, WriteOptions options, RequestInfo info,
        string manager, bool managedFieldsDone)
    {
        CheckKind(obj, type, version);
        if (!type.IsCustom) DropNulls(obj);
        var meta = obj.Ensure("metadata");
        var key = "";
        if (type.Namespaced)
        {
            var bodyNs = meta.Str("namespace");
            ns = string.IsNullOrEmpty(ns) ? bodyNs : ns;
            if (string.IsNullOrEmpty(ns)) throw Errors.BadRequest("the namespace of the object must be set");
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                throw Errors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta["namespace"] = ns;
            key = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        if (string.IsNullOrEmpty(meta.Str("name")) && meta.Str("generateName") is { Length: > 0 } generate)
        {
            var prefix = generate.Length > 58 ? generate[..58] : generate;
            meta["name"] = prefix + ClusterRuntime.RandomSuffix();
        }
        var name = meta.Str("name") ?? "";
        // The storage layer refuses a set (parsable, non-zero) resourceVersion with a bare 500, as etcd3's store does.
        if (long.TryParse(meta.Str("resourceVersion"), out var createRv) && createRv > 0)
        {
            throw new KubeApiException(500, "", "resourceVersion should not be set on objects to be created");
        }
        meta.Remove("resourceVersion");

        var ctx = Context(type, dryRun: options.DryRun);
        var now = rt.Now;
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = JsonTools.Timestamp(now);
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");
        if (type.TracksGeneration) meta["generation"] = 1;
        else meta.Remove("generation");
        if (type.HasStatus && !type.Strategy.KeepStatusOnCreate) obj.Remove("status");

        // Admission (namespace lifecycle) runs before the strategy, validation after it, as in the real server.
        if (type.Namespaced && name.Length > 0) CheckNamespaceForCreate(type, ns!, name);
        type.Strategy.ApplyDefaults(obj, ctx);
        if (name.Length == 0 || rt.Store.Get(type.GroupResource, new ObjectKey(key, name)) is null)
        {
            type.Strategy.PrepareForCreate(obj, ctx);
        }
        var review = new Extensibility.AdmissionReview
        {
            Operation = Extensibility.AdmissionOperation.Create, Resource = type.GroupResource, Namespace = type.Namespaced ? ns : null,
            Name = name, Object = obj, DryRun = options.DryRun,
        };
        rt.Admission.Run(Extensibility.AdmissionPhase.Mutating, review);
        Validate(type, obj, null, null, ctx);
        rt.Admission.Run(Extensibility.AdmissionPhase.Validating, review);
        if (rt.Store.Get(type.GroupResource, new ObjectKey(key, name)) is not null)
        {
            throw Errors.AlreadyExists(type.Group, type.Plural, name);
        }

        if (!managedFieldsDone)
        {
            obj.Ensure("metadata").Remove("managedFields");
            ManagedFields.RecordUpdate(null, obj, type, manager, type.ApiVersion(version), null, now);
        }
        obj["apiVersion"] = type.ApiVersion(type.StorageVersion);
        info.Warnings.AddRange(ctx.Warnings);

        if (options.DryRun)
        {
            obj.Ensure("metadata").Remove("resourceVersion");
            return Output(obj, type, version);
        }
        var stored = rt.Store.Create(type.GroupResource, new ObjectKey(key, name), obj.Str("metadata", "uid")!, obj);
        return Output(stored.Parse(), type, version);
    }
}
