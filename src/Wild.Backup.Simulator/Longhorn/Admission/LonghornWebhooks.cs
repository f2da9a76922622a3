using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;

namespace Wild.Backup.Simulator.Longhorn.Admission;

/// <summary>Longhorn's two admission webhooks (<c>mutator.longhorn.io</c>, <c>validator.longhorn.io</c>) for the kinds the simulator serves.</summary>
internal static class LonghornWebhooks
{
    public static IEnumerable<IAdmissionWebhook> Create(LonghornStore store)
    {
        var backups = new BackupAdmission(store);
        var volumes = new VolumeAdmission(store);
        var snapshots = new SnapshotAdmission(store);
        var settings = new SettingAdmission(store.Version);
        var targets = new BackupTargetAdmission();
        yield return new Webhook(LonghornKube.MutatorName, AdmissionPhase.Mutating, new Dictionary<GroupResource, Action<AdmissionReview>>
        {
            [LonghornKube.Backups.GroupResource] = backups.Mutate,
            [LonghornKube.Volumes.GroupResource] = volumes.Mutate,
            [LonghornKube.Snapshots.GroupResource] = snapshots.Mutate,
            [LonghornKube.BackupTargets.GroupResource] = targets.Mutate,
            // webhook/resources/backupvolume/mutator.go: the finalizer (deleting a BackupVolume deletes its data first).
            [LonghornKube.BackupVolumes.GroupResource] = review => AddFinalizer(review.Object),
        });
        yield return new Webhook(LonghornKube.ValidatorName, AdmissionPhase.Validating, new Dictionary<GroupResource, Action<AdmissionReview>>
        {
            [LonghornKube.Backups.GroupResource] = backups.Validate,
            [LonghornKube.Volumes.GroupResource] = volumes.Validate,
            [LonghornKube.Snapshots.GroupResource] = snapshots.Validate,
            [LonghornKube.Settings.GroupResource] = settings.Validate,
            [LonghornKube.BackupTargets.GroupResource] = targets.Validate,
        });
    }

    private sealed class Webhook(string name, AdmissionPhase phase, IReadOnlyDictionary<GroupResource, Action<AdmissionReview>> handlers) : IAdmissionWebhook
    {
        public string Name => name;

        public AdmissionPhase Phase => phase;

        public bool Handles(GroupResource resource, AdmissionOperation operation) => handlers.ContainsKey(resource);

        public void Admit(AdmissionReview review) => handlers[review.Resource](review);
    }

    /// <summary>Adds Longhorn's finalizer unless the object is being deleted (webhook common.GetLonghornFinalizerPatchOpIfNeeded).</summary>
    public static void AddFinalizer(JsonObject obj)
    {
        if (obj.Str("metadata", "deletionTimestamp") is not null) return;
        var meta = obj.Ensure("metadata");
        var finalizers = meta["finalizers"] as JsonArray ?? [];
        if (!finalizers.Any(f => f?.GetValue<string>() == LonghornKube.Finalizer)) finalizers.Add(LonghornKube.Finalizer);
        meta["finalizers"] = finalizers.DeepClone();
    }

    public static void SetLabel(JsonObject obj, string key, string value) => obj.Ensure("metadata", "labels")[key] = value;

    public static string? Label(JsonObject obj, string key) => obj.Str("metadata", "labels", key);

    /// <summary>"snapshots.longhorn.io "x" not found", as a NotFound error from the datastore reads.</summary>
    public static string NotFound(GroupVersionResource resource, string name) => $"{resource.Resource}.{resource.Group} \"{name}\" not found";
}
