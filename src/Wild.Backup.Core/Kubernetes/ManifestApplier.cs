using System.Text.Json.Nodes;

namespace Wild.Backup.Core.Kubernetes;

/// <summary>One object as applied: its kind on the server and the object the server returned.</summary>
public sealed record AppliedObject(ResourceKind Kind, JsonObject Object);

/// <summary>
/// Applies rendered manifests with server-side apply under the field manager <c>wildbackup</c>, in the order given
/// (kustomize's: namespaces, config, services, claims, workloads, …). Cluster-scoped objects other than Namespaces are
/// shared with whatever else is deployed: they are created when missing and otherwise left as they are (a warning says so).
/// </summary>
public static class ManifestApplier
{
    public const string FieldManager = "wildbackup";

    public static async Task<IReadOnlyList<AppliedObject>> ApplyAsync(IKubernetesCluster cluster, IReadOnlyList<JsonObject> objects, Action<string> verbose, Action<string> warn, CancellationToken ct)
    {
        var applied = new List<AppliedObject>();
        foreach (var o in objects)
        {
            var kind = await cluster.ResolveAsync(o.ApiVersion(), o.Kind(), ct).ConfigureAwait(false);
            if (!kind.Namespaced && kind.Kind != "Namespace" && await cluster.GetAsync(kind, null, o.Name(), ct).ConfigureAwait(false) is { } existing)
            {
                warn($"{o.Describe()} already exists and may be shared with the live app; it was left unchanged.");
                applied.Add(new AppliedObject(kind, existing));
                continue;
            }
            verbose($"Applying {o.Describe()}");
            applied.Add(new AppliedObject(kind, await cluster.ApplyAsync(kind, o, FieldManager, force: true, ct).ConfigureAwait(false)));
        }
        return applied;
    }
}
