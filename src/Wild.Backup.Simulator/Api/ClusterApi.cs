using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Api;

/// <summary>
/// The API server's request pipeline, shared by the HTTP front end and in-process callers. Split by
/// verb: ClusterApi.Read (get/list), .Create, .Update (PUT, status, finalize, binding), .Patch
/// (patch types and server-side apply), .Delete (finalizers, graceful deletion, propagation), .Scale.
/// </summary>
internal sealed partial class ClusterApi : IClusterApi
{
    private readonly ClusterRuntime rt;

    public ClusterApi(ClusterRuntime runtime) => rt = runtime;

    /// <summary>The served type for a group/version/resource, or a 404 for the path.</summary>
    internal ResourceType Resolve(GroupVersionResource gvr) => rt.Registry.Find(gvr) ?? throw Errors.UnknownPath();

    private StrategyContext Context(ResourceType type, string? subresource = null, bool dryRun = false)
        => new() { Runtime = rt, Type = type, Now = rt.Now, Subresource = subresource, DryRun = dryRun };

    /// <summary>Presents a stored object in the requested version (conversion strategy None: only apiVersion changes).</summary>
    internal static JsonObject Output(JsonObject obj, ResourceType type, string version)
    {
        var result = new JsonObject { ["apiVersion"] = type.ApiVersion(version), ["kind"] = type.Kind };
        foreach (var (k, v) in obj)
        {
            if (k is "apiVersion" or "kind") continue;
            result[k] = v?.DeepClone();
        }
        return result;
    }

    private static string? NamespaceFor(ResourceType type, string? ns)
    {
        if (!type.Namespaced) return null;
        if (string.IsNullOrEmpty(ns)) throw Errors.BadRequest("the server could not find the requested resource");
        return ns;
    }

    /// <summary>Checks and fills apiVersion/kind of a request body (defaults come from the URL, as the decoder does).</summary>
    private static void CheckKind(JsonObject obj, ResourceType type, string version)
    {
        var apiVersion = obj.Str("apiVersion");
        var kind = obj.Str("kind");
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw Errors.BadRequest($"the object provided is unrecognized (must be of type {type.Kind}): couldn't get version/kind; json parse error: expected kind {type.Kind}, got {kind}");
        }
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.ApiVersion(version))
        {
            if (!type.Versions.Any(v => type.ApiVersion(v) == apiVersion))
            {
                throw Errors.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion(version)})");
            }
        }
        obj["apiVersion"] = type.ApiVersion(version);
        obj["kind"] = type.Kind;
    }

    /// <summary>NamespaceLifecycle admission: the namespace must exist and not be terminating.</summary>
    private void CheckNamespaceForCreate(ResourceType type, string ns, string name)
    {
        var nsObj = rt.GetObject(GroupVersionResource.Namespaces, null, ns)
            ?? throw Errors.NotFound("", "namespaces", ns);
        if (nsObj.Str("status", "phase") == "Terminating" || nsObj.Str("metadata", "deletionTimestamp") is not null)
        {
            var causes = new JsonArray(new JsonObject
            {
                ["reason"] = "NamespaceTerminating",
                ["message"] = $"namespace {ns} is being terminated",
                ["field"] = "metadata.namespace",
            });
            throw Errors.Forbidden(type.Group, type.Plural, name, $"unable to create new content in namespace {ns} because it is being terminated", causes);
        }
    }

    /// <summary>
    /// Go decodes a JSON null into a built-in type's field as "unset", so nulls never reach storage;
    /// custom resources keep them (their schema decides).
    /// </summary>
    private static void DropNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Where(p => p.Value is null).Select(p => p.Key).ToList()) o.Remove(key);
                foreach (var (_, v) in o) DropNulls(v);
                break;
            case JsonArray a:
                foreach (var item in a) DropNulls(item);
                break;
        }
    }

    /// <summary>Empty metadata maps and lists are omitted on the wire (Go omitempty), so they are not stored.</summary>
    private static void NormalizeMetadata(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta) return;
        foreach (var field in new[] { "labels", "annotations" })
        {
            if (meta[field] is JsonObject { Count: 0 } || (meta.ContainsKey(field) && meta[field] is null)) meta.Remove(field);
        }
        foreach (var field in new[] { "finalizers", "ownerReferences", "managedFields" })
        {
            if (meta[field] is JsonArray { Count: 0 } || (meta.ContainsKey(field) && meta[field] is null)) meta.Remove(field);
        }
    }

    private void Validate(ResourceType type, JsonObject obj, JsonObject? old, string? subresource, StrategyContext ctx)
    {
        if (!type.IsCustom) DropNulls(obj);
        NormalizeMetadata(obj);
        var errors = new List<FieldError>();
        Validation.MetadataValidation.Validate(type, obj, errors);
        if (subresource == "status")
        {
            type.Strategy.ValidateStatusUpdate(obj, old!, errors, ctx);
        }
        else
        {
            type.Strategy.Validate(obj, errors, ctx);
            if (old is not null)
            {
                Validation.MetadataValidation.ValidateUpdate(obj, old, errors);
                if (subresource is null) type.Strategy.ValidateUpdate(obj, old, errors, ctx);
            }
        }
        if (errors.Count > 0) throw Errors.Invalid(type.Group, type.Kind, obj.Str("metadata", "name") ?? "", errors);
    }

    // ---- IClusterApi ----

    public Task<JsonObject> GetAsync(GroupVersionResource resource, string? ns, string name, CancellationToken cancellationToken = default)
        => Task.FromResult(Get(resource, ns, name));

    public Task<JsonObject> GetSubresourceAsync(GroupVersionResource resource, string? ns, string name, string subresource, CancellationToken cancellationToken = default)
        => Task.FromResult(GetSubresource(resource, ns, name, subresource));

    public Task<JsonObject> ListAsync(GroupVersionResource resource, string? ns, ListOptions? options = null, CancellationToken cancellationToken = default)
        => ListAsync(resource, ns, options ?? new ListOptions(), cancellationToken, stripItemKinds: false);

    public Task<JsonObject> CreateAsync(GroupVersionResource resource, string? ns, JsonObject obj, WriteOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(Create(resource, ns, obj, options ?? new WriteOptions(), new RequestInfo()));

    public Task<JsonObject> ReplaceAsync(GroupVersionResource resource, string? ns, string name, JsonObject obj, string? subresource = null, WriteOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(Replace(resource, ns, name, obj, subresource, options ?? new WriteOptions(), new RequestInfo()));

    public Task<JsonObject> PatchAsync(GroupVersionResource resource, string? ns, string name, PatchType type, string patch, string? subresource = null, WriteOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(Patch(resource, ns, name, type, patch, subresource, options ?? new WriteOptions(), new RequestInfo()));

    public Task<JsonObject> DeleteAsync(GroupVersionResource resource, string? ns, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(Delete(resource, ns, name, options ?? new DeleteOptions(), new RequestInfo()));

    public Task<JsonObject> DeleteCollectionAsync(GroupVersionResource resource, string? ns, ListOptions? listOptions = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(DeleteCollection(resource, ns, listOptions ?? new ListOptions(), options ?? new DeleteOptions(), new RequestInfo()));

    public Task<JsonObject> PostSubresourceAsync(GroupVersionResource resource, string? ns, string name, string subresource, JsonObject body, WriteOptions? options = null, CancellationToken cancellationToken = default)
        => Task.FromResult(PostSubresource(resource, ns, name, subresource, body, options ?? new WriteOptions(), new RequestInfo()));

    public async IAsyncEnumerable<WatchEvent> WatchAsync(GroupVersionResource resource, string? ns, ListOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var session = StartWatch(resource, ns, options ?? new ListOptions());
        await foreach (var e in session.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }
}
