using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>Status condition helpers (pods, workloads, namespaces, CRDs).</summary>
internal static class PodConditions
{
    /// <summary>
    /// Sets a condition in status.conditions; lastTransitionTime changes only when the status value
    /// changes (as the real controllers do). Returns true when anything changed.
    /// </summary>
    public static bool Set(JsonObject obj, string type, string status, string? reason, string? message, DateTimeOffset now,
        bool withProbeTime = true, bool withUpdateTime = false)
    {
        var st = obj.Ensure("status");
        var conditions = st["conditions"] as JsonArray ?? new JsonArray();
        st["conditions"] = conditions;
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type);
        var ts = JsonTools.Timestamp(now);
        if (existing is null)
        {
            var c = new JsonObject { ["type"] = type, ["status"] = status };
            if (withProbeTime) c["lastProbeTime"] = null;
            if (withUpdateTime) c["lastUpdateTime"] = ts;
            c["lastTransitionTime"] = ts;
            if (reason is not null) c["reason"] = reason;
            if (message is not null) c["message"] = message;
            conditions.Add(c);
            return true;
        }
        var changed = false;
        if (existing.Str("status") != status)
        {
            existing["status"] = status;
            existing["lastTransitionTime"] = ts;
            changed = true;
        }
        if (existing.Str("reason") != reason)
        {
            if (reason is null) existing.Remove("reason"); else existing["reason"] = reason;
            changed = true;
        }
        if (existing.Str("message") != message)
        {
            if (message is null) existing.Remove("message"); else existing["message"] = message;
            changed = true;
        }
        if (changed && withUpdateTime) existing["lastUpdateTime"] = ts;
        return changed;
    }

    public static string? Status(JsonObject obj, string type)
        => obj.Arr("status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == type)?.Str("status");

    public static bool IsReady(JsonObject pod) => Status(pod, "Ready") == "True";

    public static bool IsActive(JsonObject pod)
        => pod.Str("metadata", "deletionTimestamp") is null && pod.Str("status", "phase") is not ("Succeeded" or "Failed");

    /// <summary>Ready for at least minReadySeconds.</summary>
    public static bool IsAvailable(JsonObject pod, long minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod)) return false;
        if (minReadySeconds <= 0) return true;
        var since = JsonTools.ParseTimestamp(pod.Arr("status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "Ready")?.Str("lastTransitionTime"));
        return since is { } t && now - t >= TimeSpan.FromSeconds(minReadySeconds);
    }
}
