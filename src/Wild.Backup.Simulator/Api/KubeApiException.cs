using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Api;

/// <summary>
/// An API error as the real API server reports it: an HTTP code plus a <c>Status</c> object
/// (<c>kind: Status, status: Failure, reason, message, details, code</c>). Thrown by the in-process
/// <see cref="IClusterApi"/> and written unchanged as the HTTP response body.
/// </summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException(int code, string reason, string message, JsonObject? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    /// <summary>HTTP status code (404, 409, 422, …).</summary>
    public int Code { get; }

    /// <summary>Status reason (NotFound, AlreadyExists, Conflict, Invalid, Forbidden, …).</summary>
    public string Reason { get; }

    public JsonObject? Details { get; }

    /// <summary>
    /// True for requests to paths the server does not serve (unknown group, version or resource): the
    /// real server answers those with a plain-text "404 page not found", not a Status.
    /// </summary>
    public bool IsUnknownPath { get; init; }

    /// <summary>Extra response headers (e.g. Retry-After); rarely used.</summary>
    public Dictionary<string, string> Headers { get; } = new();

    /// <summary>The <c>Status</c> object for the response body.</summary>
    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = Message,
        };
        if (Reason.Length > 0) status["reason"] = Reason;
        if (Details is not null) status["details"] = Details.CloneObject();
        status["code"] = Code;
        return status;
    }

    /// <summary>The "details" block: name, group, kind (resource plural for most errors), causes.</summary>
    public static JsonObject MakeDetails(string? name, string? group, string kind, JsonArray? causes = null, string? uid = null)
    {
        var d = new JsonObject();
        if (!string.IsNullOrEmpty(name)) d["name"] = name;
        if (!string.IsNullOrEmpty(group)) d["group"] = group;
        d["kind"] = kind;
        if (!string.IsNullOrEmpty(uid)) d["uid"] = uid;
        if (causes is not null) d["causes"] = causes;
        return d;
    }
}
