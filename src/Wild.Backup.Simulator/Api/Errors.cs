using System.Text.Json.Nodes;

namespace Wild.Backup.Simulator.Api;

/// <summary>
/// Factory for the API server's standard errors, with the messages and details the real server uses
/// (k8s.io/apimachinery/pkg/api/errors).
/// </summary>
public static class Errors
{
    /// <summary>"deployments.apps" style qualified resource, or just the plural for the core group.</summary>
    public static string Qualified(string group, string resource) => group.Length == 0 ? resource : $"{resource}.{group}";

    public static KubeApiException NotFound(string group, string resource, string name)
        => new(404, "NotFound", $"{Qualified(group, resource)} \"{name}\" not found",
            KubeApiException.MakeDetails(name, group, resource));

    public static KubeApiException AlreadyExists(string group, string resource, string name)
        => new(409, "AlreadyExists", $"{Qualified(group, resource)} \"{name}\" already exists",
            KubeApiException.MakeDetails(name, group, resource));

    public static KubeApiException Conflict(string group, string resource, string name, string why)
        => new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(group, resource)} \"{name}\": {why}",
            KubeApiException.MakeDetails(name, group, resource));

    public const string ModifiedMessage = "the object has been modified; please apply your changes to the latest version and try again";

    public static KubeApiException StaleResourceVersion(string group, string resource, string name)
        => Conflict(group, resource, name, ModifiedMessage);

    /// <summary>An unknown group, version, resource or subresource.</summary>
    public static KubeApiException UnknownPath() => new(404, "NotFound", "the server could not find the requested resource") { IsUnknownPath = true };

    public static KubeApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubeApiException MethodNotSupported(string group, string resource, string action)
        => new(405, "MethodNotAllowed", $"{action} is not supported on resources of kind \"{Qualified(group, resource)}\"",
            KubeApiException.MakeDetails(null, group, resource));

    public static KubeApiException Forbidden(string group, string resource, string name, string why, JsonArray? causes = null)
        => new(403, "Forbidden",
            name.Length == 0 ? $"{Qualified(group, resource)} is forbidden: {why}" : $"{Qualified(group, resource)} \"{name}\" is forbidden: {why}",
            KubeApiException.MakeDetails(name, group, resource, causes));

    public static KubeApiException UnsupportedMediaType(IEnumerable<string> accepted)
        => new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}");

    public static KubeApiException Gone(string message) => new(410, "Expired", message);

    public static KubeApiException Internal(string message)
        => new(500, "InternalError", $"Internal error occurred: {message}",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = message }) });

    public static KubeApiException Timeout(string message, int retryAfterSeconds)
        => new(504, "Timeout", message,
            new JsonObject { ["retryAfterSeconds"] = retryAfterSeconds });

    public static KubeApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static KubeApiException NotAcceptable(string message) => new(406, "NotAcceptable", message);

    /// <summary>
    /// 422 Invalid, as produced by field validation: message "Kind.group \"name\" is invalid: err1, err2",
    /// details.kind is the Kind (not the resource).
    /// </summary>
    public static KubeApiException Invalid(string group, string kind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var e in errors)
        {
            causes.Add(new JsonObject { ["reason"] = e.CauseType, ["message"] = e.Detail, ["field"] = e.Field });
        }
        string summary = errors.Count == 1
            ? errors[0].ToString()
            : "[" + string.Join(", ", errors.Select(e => e.ToString())) + "]";
        var qualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        return new KubeApiException(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}",
            KubeApiException.MakeDetails(name, group, kind, causes));
    }
}

/// <summary>One field validation error, rendered like k8s.io/apimachinery/pkg/util/validation/field.Error.</summary>
public sealed record FieldError(string Type, string Field, string? BadValue, string Message, bool QuoteValue = true)
{
    /// <summary>An invalid non-string value, rendered unquoted as Go's %#v would (maps, numbers, structs).</summary>
    public static FieldError InvalidRaw(string field, string value, string message)
        => new("Invalid value", field, value, message, QuoteValue: false);

    public static FieldError Required(string field, string message = "")
        => new("Required value", field, null, message);

    public static FieldError Invalid(string field, string? value, string message)
        => new("Invalid value", field, value, message);

    public static FieldError Forbidden(string field, string message) => new("Forbidden", field, null, message);

    public static FieldError NotSupported(string field, string? value, IEnumerable<string> valid)
        => new("Unsupported value", field, value, "supported values: " + string.Join(", ", valid.Select(v => $"\"{v}\"")));

    public static FieldError Duplicate(string field, string? value) => new("Duplicate value", field, value, "");

    public static FieldError TooLong(string field, string? value, int max)
        => new("Too long", field, value, $"may not be more than {max} bytes");

    /// <summary>The StatusCause reason ("FieldValueInvalid", …).</summary>
    public string CauseType => Type switch
    {
        "Required value" => "FieldValueRequired",
        "Invalid value" => "FieldValueInvalid",
        "Forbidden" => "FieldValueForbidden",
        "Unsupported value" => "FieldValueNotSupported",
        "Duplicate value" => "FieldValueDuplicate",
        "Too long" => "FieldValueTooLong",
        "Not found" => "FieldValueNotFound",
        _ => "FieldValueInvalid",
    };

    /// <summary>The cause message (without the field path).</summary>
    public string Detail
    {
        get
        {
            if (BadValue is null) return Message.Length == 0 ? Type : $"{Type}: {Message}";
            var value = QuoteValue ? $"\"{BadValue}\"" : BadValue;
            return Message.Length == 0 ? $"{Type}: {value}" : $"{Type}: {value}: {Message}";
        }
    }

    public override string ToString() => $"{Field}: {Detail}";
}
