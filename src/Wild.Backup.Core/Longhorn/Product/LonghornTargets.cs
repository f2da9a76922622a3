using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>
/// Longhorn's backup targets and backup volumes as the product reads and drives them, on every version from 1.7: which
/// BackupTarget serves a backup URL, whether it is available, asking it to sync, and the BackupVolume of a volume.
/// </summary>
public static class LonghornTargets
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>The BackupTarget serving <paramref name="backupUrl"/> (its <c>spec.backupTargetURL</c> is the URL's target
    /// part), else the one named <paramref name="preferredName"/> or <c>default</c>; NotFound when the cluster has none.</summary>
    public static async Task<JsonObject> FindAsync(IKubernetesCluster cluster, string? backupUrl, string? preferredName, CancellationToken ct)
    {
        var targets = await cluster.ListAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, null, ct).ConfigureAwait(false);
        string? wanted = null;
        if (backupUrl is { Length: > 0 })
        {
            try
            {
                wanted = Normalize(BackupUrl.Decode(backupUrl).TargetUrl);
            }
            catch (InvalidInputException)
            {
            }
        }
        return targets.FirstOrDefault(t => wanted is not null && Normalize(t.Str("spec", "backupTargetURL") ?? "") == wanted)
            ?? targets.FirstOrDefault(t => t.Name() == (preferredName ?? LonghornApi.DefaultTarget))
            ?? targets.FirstOrDefault(t => t.Name() == LonghornApi.DefaultTarget)
            ?? throw new NotFoundException("LonghornNoBackupTarget",
                $"Longhorn has no backup target{(wanted is null ? "" : $" for {wanted}")}, so the volume backups cannot be reached. Configure Longhorn's backup target first.");
    }

    /// <summary>What longhorn-manager checks before touching the store (controller/utils.go isBackupTargetAvailable): not
    /// being deleted, a URL, and <c>status.available</c>.</summary>
    public static bool IsAvailable(JsonObject target) =>
        target.Str("metadata", "deletionTimestamp") is null && !string.IsNullOrEmpty(target.Str("spec", "backupTargetURL")) && target.Bool("status", "available") == true;

    /// <summary>Why the target is unavailable, in Longhorn's words (its <c>Unavailable</c> condition), for messages.</summary>
    public static string Unavailability(JsonObject target) =>
        (target.Arr("status", "conditions") ?? []).OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "Unavailable" && c.Str("status") == "True")?.Str("message") is { Length: > 0 } m
            ? $"Longhorn's backup target {target.Name()} is unavailable: {m}"
            : $"Longhorn's backup target {target.Name()} is unavailable";

    /// <summary><c>status.lastSyncedAt</c> of a target or backup volume (Longhorn's clock), or null before the first sync.</summary>
    public static DateTimeOffset? LastSyncedAt(JsonObject? o) =>
        DateTimeOffset.TryParse(o.Str("status", "lastSyncedAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>
    /// Asks the target to sync now. Longhorn syncs only when <c>spec.syncRequestedAt</c> is strictly after
    /// <c>status.lastSyncedAt</c>, both in whole seconds of the cluster's clock (controller/backup_target_controller.go:
    /// reconcile), so the request is this machine's time, or one second after the last sync when this machine's clock is
    /// behind the cluster's. Returns the time requested.
    /// </summary>
    public static async Task<DateTimeOffset> RequestSyncAsync(IKubernetesCluster cluster, JsonObject target, string fieldManager, CancellationToken ct)
    {
        var now = Truncate(DateTimeOffset.UtcNow);
        var after = LastSyncedAt(target) is { } last ? Truncate(last).AddSeconds(1) : now;
        var requested = after > now ? after : now;
        await cluster.ApplyAsync(LonghornApi.BackupTargets, new JsonObject
        {
            ["apiVersion"] = LonghornApi.ApiVersion,
            ["kind"] = "BackupTarget",
            ["metadata"] = new JsonObject { ["name"] = target.Name(), ["namespace"] = LonghornApi.Namespace },
            ["spec"] = new JsonObject { ["syncRequestedAt"] = requested.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) },
        }, fieldManager, force: true, ct).ConfigureAwait(false);
        return requested;
    }

    /// <summary>The BackupVolume of <paramref name="volumeName"/> on a target: by its labels from Longhorn 1.8 (named
    /// <c>&lt;volume&gt;-&lt;hash&gt;</c>), by the volume's name on 1.7 (one target, named after the volume).</summary>
    public static async Task<JsonObject?> BackupVolumeAsync(IKubernetesCluster cluster, string targetName, string volumeName, CancellationToken ct)
    {
        var labelled = await cluster.ListAsync(LonghornApi.BackupVolumes, LonghornApi.Namespace,
            $"{LonghornApi.LabelBackupVolume}={volumeName},{LonghornApi.LabelBackupTarget}={targetName}", ct).ConfigureAwait(false);
        if (labelled.Count > 0) return labelled[0];
        var named = await cluster.GetAsync(LonghornApi.BackupVolumes, LonghornApi.Namespace, volumeName, ct).ConfigureAwait(false);
        return named is not null && named.Str("spec", "backupTargetName") is null or "" ? named : null;
    }

    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static string Normalize(string url) => url.TrimEnd('/');
}
