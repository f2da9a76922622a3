using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Restores;

/// <summary>The health of an app's namespace: its workloads, jobs and claims (<see cref="Readiness"/>).</summary>
internal static class BlueGreenHealth
{
    private static readonly ResourceKind[] Kinds =
        [ResourceKind.Deployment, ResourceKind.StatefulSet, ResourceKind.DaemonSet, ResourceKind.Job, ResourceKind.PersistentVolumeClaim];

    /// <summary>Each object's health; null when the namespace does not exist.</summary>
    public static async Task<IReadOnlyList<ObjectHealth>?> CheckAsync(IKubernetesCluster cluster, string ns, CancellationToken ct)
    {
        if (await cluster.GetAsync(ResourceKind.Namespace, null, ns, ct).ConfigureAwait(false) is null) return null;
        var health = new List<ObjectHealth>();
        foreach (var kind in Kinds)
        {
            foreach (var o in await cluster.ListAsync(kind, ns, null, ct).ConfigureAwait(false))
            {
                // Jobs owned by CronJobs come and go; only the app's own jobs count.
                if (kind == ResourceKind.Job && o.Arr("metadata", "ownerReferences") is { Count: > 0 }) continue;
                health.Add(Readiness.Check(o));
            }
        }
        return health;
    }

    public static async Task<bool> NamespaceExistsAsync(IKubernetesCluster cluster, string ns, CancellationToken ct) =>
        await cluster.GetAsync(ResourceKind.Namespace, null, ns, ct).ConfigureAwait(false) is not null;

    /// <summary>Deletes a namespace and waits until it is gone; <paramref name="status"/> hears what is left.</summary>
    public static async Task DeleteNamespaceAsync(IKubernetesCluster cluster, string ns, TimeSpan timeout, TimeSpan poll, Action<string> status, CancellationToken ct)
    {
        await cluster.DeleteAsync(ResourceKind.Namespace, null, ns, ct).ConfigureAwait(false);
        await Waits.UntilAsync(async t =>
        {
            var n = await cluster.GetAsync(ResourceKind.Namespace, null, ns, t).ConfigureAwait(false);
            if (n is null) return (true, true, "deleted");
            var pods = await cluster.ListAsync(ResourceKind.Pod, ns, null, t).ConfigureAwait(false);
            return (false, true, $"namespace {ns} terminating, {pods.Count} pods left");
        }, timeout, poll, status, s => new Errors.WildTimeoutException("NamespaceNotDeleted",
            $"Namespace {ns} was not gone within {timeout.TotalSeconds:0} s ({s}). Kubernetes keeps deleting it; run the cleanup again later."), ct).ConfigureAwait(false);
    }
}
