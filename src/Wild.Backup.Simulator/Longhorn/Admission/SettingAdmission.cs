using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>Longhorn's Setting validator for the settings the simulator knows: unknown names and invalid values are refused.</summary>
internal sealed class SettingAdmission(LonghornVersion version)
{
    public void Validate(AdmissionReview review)
    {
        var value = review.Object.Str("value") ?? "";
        if (!SettingNames.For(version).TryGetValue(review.Name, out var definition))
        {
            if (review.Operation == AdmissionOperation.Create) throw AdmissionDenial.Invalid($"setting {review.Name} is not supported", "value");
            return;
        }
        if (definition.Check(value) is { } why)
            throw AdmissionDenial.Invalid($"failed to validate setting {review.Name} with invalid value {value}: {why}", "value");
    }
}
