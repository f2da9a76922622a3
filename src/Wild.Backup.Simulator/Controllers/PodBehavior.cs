using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>How the simulated kubelet runs a pod's containers.</summary>
public enum PodBehavior
{
    /// <summary>Starts, becomes Ready; Job pods succeed after their run time.</summary>
    Normal,

    /// <summary>Runs but its readiness probe keeps failing (Ready=False, Unhealthy events).</summary>
    NeverReady,

    /// <summary>The container exits with code 1 and restarts with back-off (CrashLoopBackOff, BackOff events).</summary>
    CrashLoop,

    /// <summary>Job pods exit with code 1 (Failed for restartPolicy Never, restarts for OnFailure).</summary>
    Fail,
}

/// <summary>
/// Selects pods by namespace, name prefix and labels and gives them a behaviour. A pod's own
/// annotation <see cref="PodBehaviorAnnotations.Behavior"/> (usually set in a workload's pod
/// template) takes precedence over rules.
/// </summary>
public sealed class PodBehaviorRule
{
    public string? Namespace { get; init; }

    public string? NamePrefix { get; init; }

    public IDictionary<string, string>? MatchLabels { get; init; }

    public PodBehavior Behavior { get; init; }

    /// <summary>For CrashLoop: the container that crashes (default: the first).</summary>
    public string? Container { get; init; }

    internal bool Matches(JsonObject pod)
    {
        if (Namespace is not null && pod.Str("metadata", "namespace") != Namespace) return false;
        if (NamePrefix is not null && !(pod.Str("metadata", "name") ?? "").StartsWith(NamePrefix, StringComparison.Ordinal)) return false;
        if (MatchLabels is not null)
        {
            var labels = pod.Get("metadata", "labels").StringMap();
            foreach (var (k, v) in MatchLabels)
            {
                if (!labels.TryGetValue(k, out var actual) || actual != v) return false;
            }
        }
        return true;
    }
}

/// <summary>Pod annotations understood by the simulated kubelet.</summary>
public static class PodBehaviorAnnotations
{
    /// <summary>"normal", "never-ready", "crash-loop" or "fail".</summary>
    public const string Behavior = "sim.wildbackup.io/behavior";

    /// <summary>For crash-loop: the container name that crashes (default: the first).</summary>
    public const string CrashContainer = "sim.wildbackup.io/crash-container";

    /// <summary>Run time of a Job pod in seconds (decimal), overriding the cluster's JobPodRunDuration.</summary>
    public const string RunSeconds = "sim.wildbackup.io/run-seconds";

    internal static PodBehavior? Parse(string? value) => value switch
    {
        "normal" => PodBehavior.Normal,
        "never-ready" => PodBehavior.NeverReady,
        "crash-loop" => PodBehavior.CrashLoop,
        "fail" => PodBehavior.Fail,
        _ => null,
    };
}
