using System.Text.Json.Nodes;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using static Wild.Backup.Simulator.Longhorn.Admission.LonghornWebhooks;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>Longhorn's Snapshot webhooks: the volume must exist; the snapshot gets the <c>longhornvolume</c> label,
/// the volume's data engine, an ownerReference to the Volume and the finalizer.</summary>
internal sealed class SnapshotAdmission(LonghornStore store)
{
    public void Mutate(AdmissionReview review)
    {
        var snapshot = review.Object;
        AddFinalizer(snapshot);
        if (review.Operation != AdmissionOperation.Create) return;
        var volumeName = snapshot.Str("spec", "volume") ?? "";
        var volume = store.Get(LonghornKube.Volumes, volumeName)
            ?? throw AdmissionDenial.Invalid($"failed to get volume {volumeName}: {NotFound(LonghornKube.Volumes, volumeName)}", "spec.Volume");
        snapshot.Ensure("spec")["dataEngine"] = volume.Str("spec", "dataEngine") ?? "v1";
        SetLabel(snapshot, LonghornKube.LabelVolume, volumeName);
        if (snapshot.Arr("metadata", "ownerReferences") is not { Count: > 0 })
        {
            snapshot.Ensure("metadata")["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = LonghornKube.ApiVersion,
                ["kind"] = "Volume",
                ["name"] = volumeName,
                ["uid"] = volume.Str("metadata", "uid"),
            });
        }
    }

    public void Validate(AdmissionReview review)
    {
        if (review.Operation == AdmissionOperation.Create && !BlockStorePaths.IsValidName(review.Name))
            throw AdmissionDenial.Invalid($"invalid name {review.Name}");
        if (review.Operation == AdmissionOperation.Update && review.Object.Str("spec", "volume") != review.OldObject.Str("spec", "volume"))
            throw AdmissionDenial.Invalid("spec.volume field is immutable", "spec.volume");
    }
}
