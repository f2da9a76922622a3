using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>A Longhorn backup or restore that failed, stalled or was refused. Kind Unreachable: Longhorn could not use its
/// backup target; Invalid: Longhorn's webhooks refused the request (Longhorn's message says why); Timeout: no progress for
/// the allowed time.</summary>
public sealed class LonghornException(WildErrorKind kind, string errorId, string message, string? detail = null)
    : WildBackupException(kind, errorId, message, detail);

/// <summary>
/// Volume backups through Longhorn's CRDs, as the design says ("Create Longhorn Backup CRD pointing to volume"), on
/// Longhorn 1.7 to 1.10: a Snapshot of the claim's volume, then a Backup of that snapshot labelled as Longhorn's own API
/// labels one — <c>backup-volume: &lt;volume&gt;</c> (1.7–1.9 refuse a Backup without it), <c>backup-target</c> when the volume
/// names its target — plus the instance, app, claim and destination. A detached volume is attached by Longhorn for the
/// snapshot: its transient <c>status.error</c> ("… is not running. Waiting for the volume to be attached") is waited out.
/// Progress is Longhorn's (<c>status.progress</c> of the volume's size). A Backup ending in Error or Unknown fails at once;
/// one waiting in Pending behind a deletion of the volume's backups is waited for (bounded by the deletion timeout); any
/// other state that shows no change for the stall timeout fails. Whatever a failed backup created is removed again.
/// </summary>
public sealed class LonghornBackups(IKubernetesCluster cluster, TimeSpan stallTimeout, TimeSpan? pollInterval = null, TimeSpan? deletionTimeout = null)
{
    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(500);
    private readonly TimeSpan _deletionTimeout = deletionTimeout ?? TimeSpan.FromMinutes(2);

    /// <summary>Backs up one claim's volume and returns its record. <paramref name="progress"/> gets (bytes done, volume bytes).</summary>
    public async Task<BackupVolumeRecord> BackupAsync(LonghornClaim claim, IReadOnlyDictionary<string, string> labels, Action<long, long> progress, Action<string> status, CancellationToken ct)
    {
        var volume = await cluster.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, claim.VolumeName, ct).ConfigureAwait(false)
            ?? throw new NotFoundException("LonghornVolumeMissing", $"Longhorn has no volume {claim.VolumeName} for claim {claim.Namespace}/{claim.Name}.") { Target = claim.Name };
        var size = ParseLong(volume.Str("spec", "size")) ?? 0;
        var snapshot = LonghornApi.NewName("wildbackup");
        var backup = LonghornApi.NewName("backup");
        var labelMap = new JsonObject();
        foreach (var (k, v) in labels) labelMap[k] = v;
        // The labels Longhorn's UI and API put on a Backup (api/backup.go → datastore): the volume, and the target the
        // volume backs up to (1.8+; a different one is refused by 1.10's validator).
        var backupLabels = labelMap.DeepClone().AsObject();
        backupLabels[LonghornApi.LabelBackupVolume] = claim.VolumeName;
        var targetName = volume.Str("spec", "backupTargetName") is { Length: > 0 } t ? t : null;
        if (targetName is not null) backupLabels[LonghornApi.LabelBackupTarget] = targetName;
        var created = new List<(ResourceKind, string)>();
        try
        {
            status($"snapshot of {claim.Name}");
            await CreateAsync(claim, LonghornApi.Snapshots, new JsonObject
            {
                ["apiVersion"] = LonghornApi.ApiVersion,
                ["kind"] = "Snapshot",
                ["metadata"] = new JsonObject { ["name"] = snapshot, ["namespace"] = LonghornApi.Namespace, ["labels"] = labelMap.DeepClone() },
                ["spec"] = new JsonObject { ["volume"] = claim.VolumeName, ["createSnapshot"] = true, ["labels"] = labelMap.DeepClone() },
            }, ct).ConfigureAwait(false);
            created.Add((LonghornApi.Snapshots, snapshot));
            await WaitAsync(LonghornApi.Snapshots, snapshot, o =>
            {
                if (o.Bool("status", "readyToUse") == true) return new Poll(true, "snapshot ready");
                // controller/snapshot_controller.go: an error while the volume attaches is cleared once the snapshot is
                // taken; only a lost snapshot is final. Anything else that persists is a stall.
                var error = o.Str("status", "error");
                if (error is { Length: > 0 } && error.Contains("lost track of the corresponding snapshot info", StringComparison.Ordinal))
                    throw Failed(claim, $"the snapshot failed: {error}");
                return new Poll(false, error is { Length: > 0 } ? $"snapshot waiting: {error}" : "snapshot pending");
            }, $"snapshot of claim {claim.Name}", status, ct).ConfigureAwait(false);

            await CreateAsync(claim, LonghornApi.Backups, new JsonObject
            {
                ["apiVersion"] = LonghornApi.ApiVersion,
                ["kind"] = "Backup",
                ["metadata"] = new JsonObject { ["name"] = backup, ["namespace"] = LonghornApi.Namespace, ["labels"] = backupLabels },
                ["spec"] = new JsonObject { ["snapshotName"] = snapshot, ["labels"] = labelMap.DeepClone() },
            }, ct).ConfigureAwait(false);
            created.Add((LonghornApi.Backups, backup));
            progress(0, size);
            var done = await WaitAsync(LonghornApi.Backups, backup, o =>
            {
                var state = o.Str("status", "state") ?? "";
                var percent = o.Long("status", "progress") ?? 0;
                var info = o.Str("status", "messages", "info");
                switch (state)
                {
                    case "Completed":
                        return new Poll(true, "Completed");
                    case "Error":
                        throw Failed(claim, o.Str("status", "error") is { Length: > 0 } e ? e
                            : o.Str("status", "messages", "error") is { Length: > 0 } m ? m : "the backup ended in Error");
                    case "Unknown":
                        // A final state (engineapi.ConvertEngineBackupState): Longhorn will not move it on.
                        throw Failed(claim, "the backup ended in state Unknown" + (o.Str("status", "error") is { Length: > 0 } u ? $": {u}" : ""));
                    case "Deleting":
                        throw Failed(claim, "the backup is being deleted");
                }
                progress(size * Math.Clamp(percent, 0, 100) / 100, size);
                var text = $"{(state.Length == 0 ? "Pending" : state)} {percent} %{(info is { Length: > 0 } ? $": {info}" : "")}";
                // controller/backup_controller.go checkMonitor: "Wait for backup … to be deleted" while another backup of the
                // volume is Deleting (1.8+): Longhorn's own progress, not a stall.
                return new Poll(false, text, BehindDeletion: state == "Pending" && info is { } i && i.StartsWith("Wait for backup ", StringComparison.Ordinal));
            }, $"backup of claim {claim.Name}", status, ct).ConfigureAwait(false);
            progress(size, size);
            return new BackupVolumeRecord
            {
                Pvc = claim.Name,
                Namespace = claim.Namespace,
                SizeBytes = ParseLong(done.Str("status", "volumeSize")) ?? size,
                Request = claim.Request,
                StorageClass = claim.StorageClass,
                AccessModes = claim.AccessModes,
                VolumeMode = claim.VolumeMode,
                FsType = claim.FsType,
                VolumeName = claim.VolumeName,
                LonghornBackup = backup,
                BackupUrl = done.Str("status", "url") ?? throw Failed(claim, "the completed backup has no URL"),
                SnapshotName = snapshot,
                BackupBytes = ParseLong(done.Str("status", "size")),
                UploadedBytes = ParseLong(done.Str("status", "newlyUploadDataSize")),
                BackedUpAt = DateTimeOffset.TryParse(done.Str("status", "backupCreatedAt"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.UtcNow,
                // What the restored volume must have again (Longhorn's Volume mutator does not take them from the backup).
                Encrypted = volume.Bool("spec", "encrypted") == true,
                DataEngine = volume.Str("spec", "dataEngine"),
                NumberOfReplicas = (int?)volume.Long("spec", "numberOfReplicas"),
                DataLocality = volume.Str("spec", "dataLocality"),
                BackupBlockSize = ParseLong(volume.Str("spec", "backupBlockSize")),
                BackupTargetName = targetName,
                CsiSecretRefs = claim.SecretRefs.Count == 0 ? null : claim.SecretRefs,
            };
        }
        catch (Exception) when (created.Count > 0)
        {
            // Nothing half-made stays behind: the backup (its data in the store goes with it) and its snapshot.
            foreach (var (kind, name) in Enumerable.Reverse(created)) await DeleteQuietlyAsync(kind, name).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The Backups carrying every one of <paramref name="labels"/>.</summary>
    public Task<IReadOnlyList<JsonObject>> ListAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        cluster.ListAsync(LonghornApi.Backups, LonghornApi.Namespace, string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")), ct);

    /// <summary>Creates a Longhorn object; Longhorn's webhook refusing it (a 422, or a 500 when the webhook itself fails) is
    /// reported as Longhorn's refusal with Longhorn's message.</summary>
    private async Task CreateAsync(LonghornClaim claim, ResourceKind kind, JsonObject obj, CancellationToken ct)
    {
        try
        {
            await cluster.CreateAsync(kind, obj, ct).ConfigureAwait(false);
        }
        catch (InvalidInputException ex)
        {
            throw LonghornRefusal.From(ex, $"Longhorn refused to back up claim {claim.Name} (volume {claim.VolumeName})", "LonghornBackupRefused");
        }
    }

    private async Task DeleteQuietlyAsync(ResourceKind kind, string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await cluster.DeleteAsync(kind, LonghornApi.Namespace, name, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WildBackupException or OperationCanceledException)
        {
        }
    }

    /// <summary>One look at an object: done, a short status, and whether Longhorn is busy with something it must finish first.</summary>
    private readonly record struct Poll(bool Done, string Status, bool BehindDeletion = false);

    /// <summary>Polls an object until <paramref name="check"/> says done; fails when its status stops changing for the stall
    /// timeout, or when it waits behind a deletion longer than the deletion timeout.</summary>
    private async Task<JsonObject> WaitAsync(ResourceKind kind, string name, Func<JsonObject, Poll> check, string what, Action<string> status, CancellationToken ct)
    {
        var lastChange = System.Diagnostics.Stopwatch.StartNew();
        System.Diagnostics.Stopwatch? behind = null;
        string? lastStatus = null;
        return await Waits.UntilAsync<JsonObject>(async t =>
        {
            var o = await cluster.GetAsync(kind, LonghornApi.Namespace, name, t).ConfigureAwait(false)
                ?? throw new LonghornException(WildErrorKind.Unreachable, "LonghornObjectVanished", $"Longhorn's {kind.Kind} {name} disappeared during the {what}.");
            var poll = check(o);
            if (poll.BehindDeletion)
            {
                behind ??= System.Diagnostics.Stopwatch.StartNew();
                if (behind.Elapsed > _deletionTimeout)
                    throw new LonghornException(WildErrorKind.Timeout, "LonghornStalled", $"The {what} waited {_deletionTimeout.TotalSeconds:0} s behind Longhorn's deletion of an older backup of the volume ({poll.Status}).");
                lastChange.Restart();
            }
            else
            {
                behind = null;
            }
            if (poll.Status != lastStatus)
            {
                lastStatus = poll.Status;
                lastChange.Restart();
            }
            else if (!poll.Done && lastChange.Elapsed > stallTimeout)
            {
                throw new LonghornException(WildErrorKind.Timeout, "LonghornStalled", $"The {what} made no progress for {stallTimeout.TotalSeconds:0} s ({poll.Status}).");
            }
            return (poll.Done, o, poll.Status);
        }, TimeSpan.MaxValue, _poll, status, _ => new InvalidOperationException("unreachable"), ct, stallTimeout).ConfigureAwait(false);
    }

    private static LonghornException Failed(LonghornClaim claim, string why) =>
        new(WildErrorKind.Unreachable, "LonghornBackupFailed", $"Longhorn could not back up claim {claim.Name} (volume {claim.VolumeName}): {why}");

    private static long? ParseLong(string? s) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}

/// <summary>Longhorn's webhooks refusing a request, as the product reports it: Longhorn's own words, classified once.</summary>
internal static class LonghornRefusal
{
    /// <summary>"&lt;what&gt;: &lt;Longhorn's message&gt;". An unavailable backup target is Unreachable; every other refusal is Invalid.</summary>
    public static LonghornException From(WildBackupException refused, string what, string errorId)
    {
        var message = refused.Message;
        const string denied = "denied the request: ";
        var at = message.IndexOf(denied, StringComparison.Ordinal);
        var longhorn = at >= 0 ? message[(at + denied.Length)..] : message;
        var kind = longhorn.Contains("is not available", StringComparison.Ordinal) ? WildErrorKind.Unreachable : WildErrorKind.Invalid;
        return new LonghornException(kind, errorId, $"{what}: {longhorn}", refused.Message);
    }
}
