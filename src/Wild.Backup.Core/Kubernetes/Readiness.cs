using System.Text.Json.Nodes;

namespace Wild.Backup.Core.Kubernetes;

/// <summary>Whether an object is ready, failed for good, or still on its way, with a short status for people.</summary>
public enum HealthState
{
    InProgress,
    Ready,
    Failed,
}

public sealed record ObjectHealth(string Object, HealthState State, string Status)
{
    public bool Ready => State == HealthState.Ready;
}

/// <summary>
/// Per-kind readiness, in the spirit of kstatus (as used by Flux's server-side apply waits): the controller has seen the
/// latest spec (observedGeneration), and the desired replicas are updated, ready and available. Jobs must complete
/// (a failed Job is a failure), claims must be Bound, pods Ready. Kinds without a notion of readiness (ConfigMap,
/// Service, Ingress, …) are ready once they exist — a LoadBalancer Service's address is not waited for.
/// </summary>
public static class Readiness
{
    /// <summary>Kinds whose readiness is worth waiting for.</summary>
    public static bool IsWaitable(string kind) => kind is "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet" or "Job" or "PersistentVolumeClaim" or "Pod";

    public static ObjectHealth Check(JsonObject o)
    {
        var (state, status) = o.Kind() switch
        {
            "Deployment" => Deployment(o),
            "StatefulSet" => StatefulSet(o),
            "DaemonSet" => DaemonSet(o),
            "ReplicaSet" => Replicas(o, "readyReplicas"),
            "Job" => Job(o),
            "PersistentVolumeClaim" => o.Str("status", "phase") == "Bound" ? (HealthState.Ready, "Bound") : (o.Str("status", "phase") == "Lost" ? HealthState.Failed : HealthState.InProgress, o.Str("status", "phase") ?? "Pending"),
            "Pod" => Pod(o),
            "Namespace" => o.Str("status", "phase") == "Terminating" ? (HealthState.InProgress, "Terminating") : (HealthState.Ready, "Active"),
            _ => (HealthState.Ready, "exists"),
        };
        return new ObjectHealth(o.Describe(), state, status);
    }

    private static bool Observed(JsonObject o) => (o.Long("status", "observedGeneration") ?? 0) >= (o.Long("metadata", "generation") ?? 0);

    private static long Desired(JsonObject o) => o.Long("spec", "replicas") ?? 1;

    private static (HealthState, string) Deployment(JsonObject o)
    {
        var want = Desired(o);
        var ready = o.Long("status", "readyReplicas") ?? 0;
        var text = $"{ready}/{want} ready";
        if (Condition(o, "Progressing") is { } p && p.Str("reason") == "ProgressDeadlineExceeded") return (HealthState.Failed, text + ", progress deadline exceeded");
        if (!Observed(o)) return (HealthState.InProgress, text + ", rollout not observed yet");
        var updated = o.Long("status", "updatedReplicas") ?? 0;
        var available = o.Long("status", "availableReplicas") ?? 0;
        var total = o.Long("status", "replicas") ?? 0;
        return updated >= want && available >= want && ready >= want && total <= updated ? (HealthState.Ready, text) : (HealthState.InProgress, text);
    }

    private static (HealthState, string) StatefulSet(JsonObject o)
    {
        var want = Desired(o);
        var ready = o.Long("status", "readyReplicas") ?? 0;
        var text = $"{ready}/{want} ready";
        if (!Observed(o)) return (HealthState.InProgress, text + ", rollout not observed yet");
        var rolling = (o.Str("spec", "updateStrategy", "type") ?? "RollingUpdate") == "RollingUpdate";
        var updated = o.Long("status", "updatedReplicas") ?? 0;
        var current = o.Str("status", "currentRevision");
        var update = o.Str("status", "updateRevision");
        if (rolling && (o.Long("spec", "updateStrategy", "rollingUpdate", "partition") ?? 0) == 0 && (updated < want || (update is not null && current != update)))
            return (HealthState.InProgress, $"{text}, {updated}/{want} updated");
        return ready >= want ? (HealthState.Ready, text) : (HealthState.InProgress, text);
    }

    private static (HealthState, string) DaemonSet(JsonObject o)
    {
        var desired = o.Long("status", "desiredNumberScheduled") ?? 0;
        var available = o.Long("status", "numberAvailable") ?? 0;
        var updated = o.Long("status", "updatedNumberScheduled") ?? 0;
        var text = $"{available}/{desired} available";
        return Observed(o) && available >= desired && updated >= desired ? (HealthState.Ready, text) : (HealthState.InProgress, text);
    }

    private static (HealthState, string) Replicas(JsonObject o, string field)
    {
        var want = Desired(o);
        var have = o.Long("status", field) ?? 0;
        return Observed(o) && have >= want ? (HealthState.Ready, $"{have}/{want} ready") : (HealthState.InProgress, $"{have}/{want} ready");
    }

    private static (HealthState, string) Job(JsonObject o)
    {
        if (Condition(o, "Complete") is { } c && c.Str("status") == "True") return (HealthState.Ready, "Complete");
        if (Condition(o, "Failed") is { } f && f.Str("status") == "True") return (HealthState.Failed, "Failed: " + (f.Str("reason") ?? "") + (f.Str("message") is { Length: > 0 } m ? " " + m : ""));
        var completions = o.Long("spec", "completions") ?? 1;
        return (HealthState.InProgress, $"{o.Long("status", "succeeded") ?? 0}/{completions} completed");
    }

    private static (HealthState, string) Pod(JsonObject o)
    {
        var phase = o.Str("status", "phase") ?? "Pending";
        if (phase == "Succeeded") return (HealthState.Ready, "Succeeded");
        if (phase == "Failed") return (HealthState.Failed, "Failed");
        if (Condition(o, "Ready") is { } r && r.Str("status") == "True") return (HealthState.Ready, "Ready");
        return (HealthState.InProgress, PodProblem(o) ?? phase);
    }

    /// <summary>Why a pod is not ready, from its container statuses ("container gitea: CrashLoopBackOff"), or null.</summary>
    public static string? PodProblem(JsonObject pod)
    {
        foreach (var list in new[] { "initContainerStatuses", "containerStatuses" })
        {
            foreach (var c in pod.Arr("status", list) ?? [])
            {
                if (c.Bool("ready") == true) continue;
                var why = c.Str("state", "waiting", "reason") ?? c.Str("state", "terminated", "reason") ?? (c.At("state", "running") is not null ? "running, not ready" : null);
                if (why is not null) return $"container {c.Str("name")}: {why}";
            }
        }
        if (Condition(pod, "PodScheduled") is { } s && s.Str("status") == "False") return "unschedulable: " + (s.Str("message") ?? s.Str("reason"));
        return null;
    }

    public static JsonObject? Condition(JsonObject o, string type) =>
        o.Arr("status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
}
