using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Operations;

/// <summary>
/// How results travel inside operations (record <c>result</c>, <c>operation:output</c> events): engine result objects as
/// camelCase JSON, and per-item failures as <c>{"failure": {"name", "kind", "code", "message"}}</c>. Front ends read them
/// back with the same options, so a remote run yields the same objects and errors as a local one.
/// </summary>
public static class OperationResults
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Json);

    public static T? FromNode<T>(JsonNode? node) => node is null ? default : node.Deserialize<T>(Json);

    /// <summary>An item that failed: which one, and the error as the engine raised it.</summary>
    public sealed record Failure(string Name, WildErrorKind Kind, string Code, string Message)
    {
        public static Failure From(string name, Exception ex) => ex switch
        {
            WildBackupException w => new Failure(name, w.Kind, w.ErrorId, w.Message),
            UnauthorizedAccessException => new Failure(name, WildErrorKind.Unreachable, "AccessDenied", ex.Message),
            _ => new Failure(name, WildErrorKind.Unreachable, "IOError", ex.Message),
        };

        /// <summary>The same error, raised again on the other side.</summary>
        public WildBackupException ToException() => new(Kind, Code, Message) { Target = Name };
    }

    public static JsonNode FailureNode(Failure f) => new JsonObject { ["failure"] = ToNode(f) };

    /// <summary>A result item node: <c>{"failure": …}</c> or the item itself.</summary>
    public static bool IsFailure(JsonNode? node, out Failure? failure)
    {
        failure = node is JsonObject o && o["failure"] is { } f ? FromNode<Failure>(f) : null;
        return failure is not null;
    }
}

/// <summary>
/// Some items of a multi-item operation failed (e.g. 1 of 5 apps). The operation fails with this code; its result still
/// lists what succeeded and what failed.
/// </summary>
public sealed class PartialFailureException(string message, JsonNode result, WildErrorKind kind)
    : WildBackupException(kind, "PartialFailure", message)
{
    public JsonNode Result { get; } = result;
}
