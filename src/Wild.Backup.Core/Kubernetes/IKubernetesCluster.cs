using System.Text.Json.Nodes;

namespace Wild.Backup.Core.Kubernetes;

/// <summary>
/// A Kubernetes cluster, as the engine uses it: objects as JSON, reads, server-side apply, create and delete. The one
/// interface between the engine and a cluster (implemented by <see cref="KubernetesRestCluster"/> over KubernetesClient).
/// Every call honours its token and has a deadline; failures are <see cref="Errors.WildBackupException"/>s —
/// <c>Unreachable</c> ("Cannot reach the cluster …") when the API server does not answer, <c>NotFound</c>,
/// <c>Conflict</c> and <c>Invalid</c> as the server says.
/// </summary>
public interface IKubernetesCluster : IAsyncDisposable
{
    /// <summary>The API server's address, for messages.</summary>
    string Server { get; }

    /// <summary>Checks that the API server answers and accepts the credentials.</summary>
    Task ProbeAsync(CancellationToken ct);

    /// <summary>The resource serving <paramref name="kind"/> in <paramref name="apiVersion"/> (discovered; NotFound when the
    /// server does not serve it).</summary>
    Task<ResourceKind> ResolveAsync(string apiVersion, string kind, CancellationToken ct);

    /// <summary>An object, or null when it does not exist.</summary>
    Task<JsonObject?> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken ct);

    /// <summary>The objects of a kind in a namespace (all namespaces when null), optionally by label selector.</summary>
    Task<IReadOnlyList<JsonObject>> ListAsync(ResourceKind kind, string? ns, string? labelSelector, CancellationToken ct);

    /// <summary>Creates an object (Conflict when it exists).</summary>
    Task<JsonObject> CreateAsync(ResourceKind kind, JsonObject obj, CancellationToken ct);

    /// <summary>Server-side apply of <paramref name="obj"/> under <paramref name="fieldManager"/>.</summary>
    Task<JsonObject> ApplyAsync(ResourceKind kind, JsonObject obj, string fieldManager, bool force, CancellationToken ct);

    /// <summary>Deletes an object (background propagation); false when it did not exist.</summary>
    Task<bool> DeleteAsync(ResourceKind kind, string? ns, string name, CancellationToken ct);
}
