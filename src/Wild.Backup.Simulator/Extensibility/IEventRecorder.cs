using System.Text.Json.Nodes;

namespace Wild.Backup.Simulator.Extensibility;

/// <summary>Records core/v1 Events about an object, aggregated like a real cluster's recorder.</summary>
public interface IEventRecorder
{
    /// <param name="involvedObject">The object the event is about (its kind, apiVersion and metadata are used).</param>
    /// <param name="type">"Normal" or "Warning".</param>
    /// <param name="reason">Short CamelCase reason, e.g. "Scheduled".</param>
    /// <param name="message">Human-readable message.</param>
    /// <param name="component">Reporting component, e.g. "longhorn-manager".</param>
    /// <param name="host">Node the component runs on, if any.</param>
    /// <param name="fieldPath">Field within the object, e.g. "spec.containers{app}".</param>
    /// <param name="cancellationToken">Cancellation.</param>
    Task RecordAsync(JsonObject involvedObject, string type, string reason, string message, string component,
        string? host = null, string? fieldPath = null, CancellationToken cancellationToken = default);
}
