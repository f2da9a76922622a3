using System.Text.Json.Nodes;

namespace Wild.Backup.Simulator.Api;

/// <summary>
/// The simulated API server as an in-process API. Every call goes through the same pipeline as an
/// HTTP request (defaulting, validation, admission, resourceVersion checks, managed fields, watch
/// events), so in-process controllers see the conflicts and errors a real client would. Objects are
/// plain <see cref="JsonObject"/>s in their wire form; results are fresh copies the caller may mutate.
/// Errors are thrown as <see cref="KubeApiException"/> carrying the real Status object.
/// </summary>
public interface IClusterApi
{
    /// <summary>GET one object (<paramref name="ns"/> null for cluster-scoped kinds).</summary>
    Task<JsonObject> GetAsync(GroupVersionResource resource, string? ns, string name, CancellationToken cancellationToken = default);

    /// <summary>GET a subresource: "status" (the whole object) or "scale" (an autoscaling/v1 Scale).</summary>
    Task<JsonObject> GetSubresourceAsync(GroupVersionResource resource, string? ns, string name, string subresource, CancellationToken cancellationToken = default);

    /// <summary>LIST as a <c>{kind: XList, metadata: {resourceVersion, continue}, items}</c> object; <paramref name="ns"/> null lists all namespaces.</summary>
    Task<JsonObject> ListAsync(GroupVersionResource resource, string? ns, ListOptions? options = null, CancellationToken cancellationToken = default);

    Task<JsonObject> CreateAsync(GroupVersionResource resource, string? ns, JsonObject obj, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>PUT; with <paramref name="subresource"/> "status" only status changes, "scale" takes a Scale.</summary>
    Task<JsonObject> ReplaceAsync(GroupVersionResource resource, string? ns, string name, JsonObject obj, string? subresource = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>PATCH with any of the four patch types; <paramref name="patch"/> is the request body text.</summary>
    Task<JsonObject> PatchAsync(GroupVersionResource resource, string? ns, string name, PatchType type, string patch, string? subresource = null, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>DELETE; returns the object (pending finalization or as deleted) or a Status, as the real registry of that kind does.</summary>
    Task<JsonObject> DeleteAsync(GroupVersionResource resource, string? ns, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>DELETE a collection (selectors in <paramref name="listOptions"/>); returns the list of deleted objects.</summary>
    Task<JsonObject> DeleteCollectionAsync(GroupVersionResource resource, string? ns, ListOptions? listOptions = null, DeleteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>POST a subresource that creates nothing of its own kind (pods/binding).</summary>
    Task<JsonObject> PostSubresourceAsync(GroupVersionResource resource, string? ns, string name, string subresource, JsonObject body, WriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// WATCH: ADDED/MODIFIED/DELETED/BOOKMARK events until <see cref="ListOptions.TimeoutSeconds"/> or
    /// cancellation; a too-old resourceVersion yields one ERROR event carrying a 410 Expired Status.
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(GroupVersionResource resource, string? ns, ListOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>One watch event: type ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, and the object (a Status for ERROR).</summary>
public sealed record WatchEvent(string Type, JsonObject Object)
{
    public JsonObject ToJson() => new() { ["type"] = Type, ["object"] = Object };
}

public enum PatchType
{
    /// <summary>application/json-patch+json (RFC 6902).</summary>
    Json,

    /// <summary>application/merge-patch+json (RFC 7386).</summary>
    Merge,

    /// <summary>application/strategic-merge-patch+json (built-in kinds only).</summary>
    StrategicMerge,

    /// <summary>application/apply-patch+yaml (server-side apply; needs a field manager).</summary>
    Apply,
}

/// <summary>List and watch parameters, named as the query parameters.</summary>
public sealed class ListOptions
{
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    public long? Limit { get; init; }

    public string? Continue { get; init; }

    public string? ResourceVersion { get; init; }

    /// <summary>"Exact" or "NotOlderThan".</summary>
    public string? ResourceVersionMatch { get; init; }

    public long? TimeoutSeconds { get; init; }

    public bool AllowWatchBookmarks { get; init; }

    public bool? SendInitialEvents { get; init; }
}

/// <summary>Create/update/patch parameters.</summary>
public sealed class WriteOptions
{
    /// <summary>dryRun=All: everything but persisting.</summary>
    public bool DryRun { get; init; }

    /// <summary>Field manager recorded in managedFields; required for apply.</summary>
    public string? FieldManager { get; init; }

    /// <summary>force=true for apply: take ownership of conflicting fields.</summary>
    public bool? Force { get; init; }

    /// <summary>fieldValidation: Ignore, Warn or Strict (accepted; unknown fields are kept, see docs/TESTING.md).</summary>
    public string? FieldValidation { get; init; }
}

/// <summary>DELETE parameters (query parameters or a DeleteOptions body).</summary>
public sealed class DeleteOptions
{
    /// <summary>Foreground, Background or Orphan.</summary>
    public string? PropagationPolicy { get; init; }

    public long? GracePeriodSeconds { get; init; }

    public string? PreconditionUid { get; init; }

    public string? PreconditionResourceVersion { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Deprecated orphanDependents.</summary>
    public bool? OrphanDependents { get; init; }
}
