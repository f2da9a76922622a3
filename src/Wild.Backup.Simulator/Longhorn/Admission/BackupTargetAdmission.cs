using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>Longhorn's BackupTarget webhooks: a default poll interval; the URL's scheme and the interval must be valid.</summary>
internal sealed class BackupTargetAdmission
{
    private static readonly string[] Schemes = ["nfs", "s3", "cifs", "azblob"];

    public void Mutate(AdmissionReview review)
    {
        if (string.IsNullOrEmpty(review.Object.Str("spec", "pollInterval"))) review.Object.Ensure("spec")["pollInterval"] = "5m0s";
    }

    public void Validate(AdmissionReview review)
    {
        var url = review.Object.Str("spec", "backupTargetURL") ?? "";
        if (url.Length > 0)
        {
            var scheme = url.Contains("://", StringComparison.Ordinal) ? url[..url.IndexOf("://", StringComparison.Ordinal)] : "";
            if (!Schemes.Contains(scheme, StringComparer.Ordinal)) throw AdmissionDenial.Invalid($"url {url} with the unsupported protocol {scheme}");
        }
        var interval = review.Object.Str("spec", "pollInterval") ?? "";
        if (!GoDuration.TryParse(interval, out _)) throw AdmissionDenial.Invalid($"invalid poll interval {interval}", "spec.pollInterval");
    }
}
