using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Resources;

/// <summary>What a strategy may consult while preparing or validating an object.</summary>
internal sealed class StrategyContext
{
    public required ClusterRuntime Runtime { get; init; }

    public required ResourceType Type { get; init; }

    public required DateTimeOffset Now { get; init; }

    /// <summary>Set for status-subresource writes.</summary>
    public string? Subresource { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Warnings returned to the client in Warning headers.</summary>
    public List<string> Warnings { get; } = [];
}

/// <summary>
/// Per-kind behaviour of the generic registry, as in the real registry's RESTCreateStrategy /
/// RESTUpdateStrategy: defaulting, status handling, validation and immutability. The base class is
/// the behaviour of a kind with no special rules (e.g. ConfigMap without immutability).
/// </summary>
internal class ResourceStrategy
{
    public static readonly ResourceStrategy Default = new();

    /// <summary>True for kinds whose create accepts status (Node); otherwise status is reset on create.</summary>
    public virtual bool KeepStatusOnCreate => false;

    /// <summary>Defaults and initial status (admission defaulting included).</summary>
    public virtual void PrepareForCreate(JsonObject obj, StrategyContext ctx) { }

    /// <summary>Update-time preparation (e.g. keeping allocated values the client did not send).</summary>
    public virtual void PrepareForUpdate(JsonObject obj, JsonObject old, StrategyContext ctx) { }

    /// <summary>Kind-specific validation of the whole object (create and update).</summary>
    public virtual void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx) { }

    /// <summary>Kind-specific update rules (immutable fields).</summary>
    public virtual void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx) { }

    /// <summary>Validation of a status-subresource update.</summary>
    public virtual void ValidateStatusUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx) { }

    /// <summary>Whether the change should bump metadata.generation: anything but metadata and status changed.</summary>
    public virtual bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx)
    {
        var keys = new HashSet<string>(obj.Select(p => p.Key).Concat(old.Select(p => p.Key)));
        keys.ExceptWith(["metadata", "status", "apiVersion", "kind"]);
        return keys.Any(k => !JsonTools.DeepEquals(obj[k], old[k]));
    }

    /// <summary>Applies defaults to an object after a patch or update (same defaulting as create).</summary>
    public virtual void ApplyDefaults(JsonObject obj, StrategyContext ctx) { }

    protected static void Immutable(JsonNode? newValue, JsonNode? oldValue, string field, List<FieldError> errors)
    {
        if (!JsonTools.DeepEquals(newValue, oldValue))
        {
            errors.Add(newValue is System.Text.Json.Nodes.JsonValue jv && jv.TryGetValue<string>(out var s) ? FieldError.Invalid(field, s, "field is immutable") : FieldError.InvalidRaw(field, newValue.ToJson(), "field is immutable"));
        }
    }

    protected static void SetDefault(JsonObject obj, string name, JsonNode value)
    {
        if (obj[name] is null) obj[name] = value;
    }
}
