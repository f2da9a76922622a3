using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Extensibility;

public enum AdmissionOperation
{
    Create,
    Update,
}

/// <summary>Mutating webhooks run before schema validation and may change the object; validating ones run after it and may only refuse.</summary>
public enum AdmissionPhase
{
    Mutating,
    Validating,
}

/// <summary>What an admission webhook is asked about: one create or update of the main resource (never a subresource).</summary>
public sealed class AdmissionReview
{
    public required AdmissionOperation Operation { get; init; }

    public required GroupResource Resource { get; init; }

    public string? Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The object as it will be stored; a mutating webhook changes it in place.</summary>
    public required JsonObject Object { get; init; }

    /// <summary>The stored object (updates only).</summary>
    public JsonObject? OldObject { get; init; }

    public bool DryRun { get; init; }
}

/// <summary>
/// An admission webhook as a real cluster calls one (MutatingWebhookConfiguration / ValidatingWebhookConfiguration with
/// failurePolicy Fail), run in-process on every create and update of the resources it handles, whoever sends them
/// (HTTP clients and in-process controllers alike). Register with
/// <see cref="ClusterExtensionContext.RegisterAdmissionWebhook"/>.
/// </summary>
public interface IAdmissionWebhook
{
    /// <summary>The webhook's name as it appears in denials (e.g. <c>validator.longhorn.io</c>).</summary>
    string Name { get; }

    AdmissionPhase Phase { get; }

    bool Handles(GroupResource resource, AdmissionOperation operation);

    /// <summary>Admits the request (mutating webhooks may change <see cref="AdmissionReview.Object"/>) or throws
    /// <see cref="AdmissionDenial"/>. Any other exception is a failed webhook call (500). Must be quick: it runs inside the request.</summary>
    void Admit(AdmissionReview review);
}

/// <summary>
/// A webhook's refusal, carrying the Status it answers with. The API server relays it as the real one does:
/// the code and reason are kept, the message becomes <c>admission webhook "name" denied the request: message</c>.
/// </summary>
public sealed class AdmissionDenial(int code, string reason, string message, string? field = null) : Exception(message)
{
    /// <summary>422 Invalid with one FieldValueInvalid cause (what most webhooks, Longhorn's included, answer).</summary>
    public static AdmissionDenial Invalid(string message, string field = "") => new(422, "Invalid", message, field);

    public static AdmissionDenial Forbidden(string message) => new(403, "Forbidden", message);

    public static AdmissionDenial InternalError(string message) => new(500, "InternalError", message);

    public int Code { get; } = code;

    public string Reason { get; } = reason;

    /// <summary>The field of the FieldValueInvalid cause; null: no causes.</summary>
    public string? Field { get; } = field;
}
