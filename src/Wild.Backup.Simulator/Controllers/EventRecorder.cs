using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// Records core/v1 Events the way client-go's legacy recorder does: name "&lt;object&gt;.&lt;hex time&gt;",
/// involvedObject with uid and resourceVersion, source component (and host for the kubelet), and
/// repeats of the same reason/message aggregated into one Event with a growing count. Failures
/// (e.g. the namespace is terminating) are dropped, as a real recorder drops them.
/// </summary>
internal sealed class EventRecorder : IEventRecorder
{
    private readonly ClusterRuntime rt;
    private readonly ConcurrentDictionary<string, string> seen = new(StringComparer.Ordinal);

    public EventRecorder(ClusterRuntime rt) => this.rt = rt;

    public Task RecordAsync(JsonObject involvedObject, string type, string reason, string message, string component,
        string? host = null, string? fieldPath = null, CancellationToken cancellationToken = default)
    {
        Record(involvedObject, type, reason, message, component, host, fieldPath);
        return Task.CompletedTask;
    }

    public void Record(JsonObject involved, string type, string reason, string message, string component, string? host = null, string? fieldPath = null)
    {
        var meta = involved.Obj("metadata") ?? new JsonObject();
        var name = meta.Str("name") ?? "";
        var ns = meta.Str("namespace");
        var eventNs = string.IsNullOrEmpty(ns) ? "default" : ns;
        var uid = meta.Str("uid") ?? "";
        var aggregateKey = string.Join("\u0001", eventNs, uid, reason, message, type, component, fieldPath ?? "");
        var now = JsonTools.Timestamp(rt.Now);
        try
        {
            if (seen.TryGetValue(aggregateKey, out var existingName)
                && rt.GetObject(GroupVersionResource.Events, eventNs, existingName) is { } existing)
            {
                var patch = new JsonObject
                {
                    ["count"] = (existing.Long("count") ?? 1) + 1,
                    ["lastTimestamp"] = now,
                };
                rt.Api.Patch(GroupVersionResource.Events, eventNs, existingName, PatchType.Merge, patch.ToJson(), null,
                    new WriteOptions { FieldManager = component }, new RequestInfo());
                return;
            }
            var involvedRef = new JsonObject
            {
                ["kind"] = involved.Str("kind"),
                ["namespace"] = ns,
                ["name"] = name,
                ["uid"] = uid,
                ["apiVersion"] = involved.Str("apiVersion"),
                ["resourceVersion"] = meta.Str("resourceVersion"),
            };
            if (string.IsNullOrEmpty(ns)) involvedRef.Remove("namespace");
            if (fieldPath is not null) involvedRef["fieldPath"] = fieldPath;
            var source = new JsonObject { ["component"] = component };
            if (host is not null) source["host"] = host;
            var eventName = $"{name}.{(rt.Now.ToUnixTimeMilliseconds() * 1_000_000 + Random.Shared.Next(1_000_000)).ToString("x", CultureInfo.InvariantCulture)}";
            var ev = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = eventName, ["namespace"] = eventNs },
                ["involvedObject"] = involvedRef,
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = source,
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
                ["type"] = type,
                ["eventTime"] = null,
                ["reportingComponent"] = component,
                ["reportingInstance"] = host ?? "",
            };
            rt.Api.Create(GroupVersionResource.Events, eventNs, ev, new WriteOptions { FieldManager = component }, new RequestInfo());
            seen[aggregateKey] = eventName;
        }
        catch (KubeApiException)
        {
            // Like client-go's recorder: events that cannot be written are dropped.
        }
    }
}
