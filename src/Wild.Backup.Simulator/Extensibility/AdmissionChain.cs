using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Extensibility;

/// <summary>The registered admission webhooks, called by the API server's create and update paths.</summary>
internal sealed class AdmissionChain
{
    private readonly object gate = new();
    private volatile IAdmissionWebhook[] webhooks = [];

    public void Register(IAdmissionWebhook webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        lock (gate) webhooks = [.. webhooks, webhook];
    }

    /// <summary>Runs the webhooks of <paramref name="phase"/> that handle the request, in registration order.</summary>
    public void Run(AdmissionPhase phase, AdmissionReview review)
    {
        foreach (var w in webhooks)
        {
            if (w.Phase != phase || !w.Handles(review.Resource, review.Operation)) continue;
            try
            {
                w.Admit(review);
            }
            catch (AdmissionDenial d)
            {
                throw Denied(w.Name, d);
            }
            catch (Exception e) when (e is not KubeApiException)
            {
                throw new KubeApiException(500, "InternalError", $"Internal error occurred: failed calling webhook \"{w.Name}\": {e.Message}");
            }
        }
    }

    private static KubeApiException Denied(string webhook, AdmissionDenial d)
    {
        JsonObject? details = null;
        if (d.Field is not null)
        {
            details = new JsonObject
            {
                ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = d.Message, ["field"] = d.Field }),
            };
        }
        var code = d.Code < 400 ? 400 : d.Code;
        return new KubeApiException(code, d.Reason, $"admission webhook \"{webhook}\" denied the request: {d.Message}", details);
    }
}
