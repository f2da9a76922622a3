using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>A Longhorn backup or restore that failed or stalled. Kind Unreachable: Longhorn could not use its backup
/// target; Timeout: no progress for the allowed time.</summary>
public sealed class LonghornException(WildErrorKind kind, string errorId, string message, string? detail = null)
    : WildBackupException(kind, errorId, message, detail);

/// <summary>
/// Volume backups through Longhorn's CRDs, as the design says ("Create Longhorn Backup CRD pointing to volume"): a
/// Snapshot of the claim's volume, then a Backup of that snapshot to the default backup target, both labelled with
/// the instance, app, claim and destination. Progress is Longhorn's (<c>status.progress</c> of the volume's size); a
/// Backup ending in Error, or making no progress for the stall timeout, fails. Whatever a failed backup created is
/// removed again.
/// </summary>
public sealed class LonghornBackups(IKubernetesCluster cluster, TimeSpan stallTimeout, TimeSpan? pollInterval = null)
{
    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(500);

    /// <summary>Backs up one claim's volume and returns its record. <paramref name="progress"/> gets (bytes done, volume bytes).</summary>
    public async Task<BackupVolumeRecord> BackupAsync(LonghornClaim claim, IReadOnlyDictionary<string, string> labels, Action<long, long> progress, Action<string> status, CancellationToken ct)
    {
        var volume = await cluster.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, claim.VolumeName, ct).ConfigureAwait(false)
            ?? throw new NotFoundException("LonghornVolumeMissing", $"Longhorn has no volume {claim.VolumeName} for claim {claim.Namespace}/{claim.Name}.") { Target = claim.Name };
        var size = long.TryParse(volume.Str("spec", "size"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 0;
        var snapshot = LonghornApi.NewName("wildbackup");
        var backup = LonghornApi.NewName("backup");
        var labelMap = new JsonObject();
        foreach (var (k, v) in labels) labelMap[k] = v;
        var created = new List<(ResourceKind, string)>();
        try
        {
            status($"snapshot of {claim.Name}");
            await cluster.CreateAsync(LonghornApi.Snapshots, new JsonObject
            {
                ["apiVersion"] = LonghornApi.ApiVersion,
                ["kind"] = "Snapshot",
                ["metadata"] = new JsonObject { ["name"] = snapshot, ["namespace"] = LonghornApi.Namespace, ["labels"] = labelMap.DeepClone() },
                ["spec"] = new JsonObject { ["volume"] = claim.VolumeName, ["createSnapshot"] = true, ["labels"] = labelMap.DeepClone() },
            }, ct).ConfigureAwait(false);
            created.Add((LonghornApi.Snapshots, snapshot));
            await WaitAsync(LonghornApi.Snapshots, snapshot, o =>
            {
                if (o.Str("status", "error") is { Length: > 0 } error) throw Failed(claim, $"the snapshot failed: {error}");
                return (o.Bool("status", "readyToUse") == true, "snapshot " + (o.Bool("status", "readyToUse") == true ? "ready" : "pending"));
            }, $"snapshot of claim {claim.Name}", status, ct).ConfigureAwait(false);

            try
            {
                await cluster.CreateAsync(LonghornApi.Backups, new JsonObject
                {
                    ["apiVersion"] = LonghornApi.ApiVersion,
                    ["kind"] = "Backup",
                    ["metadata"] = new JsonObject { ["name"] = backup, ["namespace"] = LonghornApi.Namespace, ["labels"] = labelMap.DeepClone() },
                    ["spec"] = new JsonObject { ["snapshotName"] = snapshot, ["labels"] = labelMap.DeepClone() },
                }, ct).ConfigureAwait(false);
            }
            catch (InvalidInputException ex)
            {
                // Longhorn's webhook refuses backups while the backup target is unavailable.
                throw new LonghornException(WildErrorKind.Unreachable, "LonghornBackupRefused", $"Longhorn refused to back up claim {claim.Name}: {ex.Message}");
            }
            created.Add((LonghornApi.Backups, backup));
            progress(0, size);
            var done = await WaitAsync(LonghornApi.Backups, backup, o =>
            {
                var state = o.Str("status", "state") ?? "";
                var percent = o.Long("status", "progress") ?? 0;
                if (state == "Error") throw Failed(claim, o.Str("status", "error") is { Length: > 0 } e ? e : "the backup ended in Error");
                if (state == "Completed") return (true, "Completed");
                progress(size * Math.Clamp(percent, 0, 100) / 100, size);
                return (false, $"{(state.Length == 0 ? "Pending" : state)} {percent} %");
            }, $"backup of claim {claim.Name}", status, ct).ConfigureAwait(false);
            progress(size, size);
            var volumeSize = long.TryParse(done.Str("status", "volumeSize"), NumberStyles.None, CultureInfo.InvariantCulture, out var vs) ? vs : size;
            return new BackupVolumeRecord
            {
                Pvc = claim.Name,
                Namespace = claim.Namespace,
                SizeBytes = volumeSize,
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
            };
        }
        catch (Exception) when (created.Count > 0)
        {
            // Nothing half-made stays behind: the backup (its data in the store goes with it) and its snapshot.
            foreach (var (kind, name) in Enumerable.Reverse(created)) await DeleteQuietlyAsync(kind, name).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Deletes a Longhorn Backup (Longhorn removes its data from the store) and, when given, its Snapshot.</summary>
    public async Task DeleteAsync(string backupName, string? snapshotName, CancellationToken ct)
    {
        await cluster.DeleteAsync(LonghornApi.Backups, LonghornApi.Namespace, backupName, ct).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(snapshotName)) await cluster.DeleteAsync(LonghornApi.Snapshots, LonghornApi.Namespace, snapshotName, ct).ConfigureAwait(false);
    }

    /// <summary>The Backups carrying every one of <paramref name="labels"/>.</summary>
    public Task<IReadOnlyList<JsonObject>> ListAsync(IReadOnlyDictionary<string, string> labels, CancellationToken ct) =>
        cluster.ListAsync(LonghornApi.Backups, LonghornApi.Namespace, string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")), ct);

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

    /// <summary>Polls an object until <paramref name="check"/> says done; fails when its status stops changing for the stall timeout.</summary>
    private async Task<JsonObject> WaitAsync(ResourceKind kind, string name, Func<JsonObject, (bool Done, string Status)> check, string what, Action<string> status, CancellationToken ct)
    {
        var lastChange = System.Diagnostics.Stopwatch.StartNew();
        string? lastStatus = null;
        return await Waits.UntilAsync<JsonObject>(async t =>
        {
            var o = await cluster.GetAsync(kind, LonghornApi.Namespace, name, t).ConfigureAwait(false)
                ?? throw new LonghornException(WildErrorKind.Unreachable, "LonghornObjectVanished", $"Longhorn's {kind.Kind} {name} disappeared during the {what}.");
            var (done, text) = check(o);
            if (text != lastStatus)
            {
                lastStatus = text;
                lastChange.Restart();
            }
            else if (!done && lastChange.Elapsed > stallTimeout)
            {
                throw new LonghornException(WildErrorKind.Timeout, "LonghornStalled", $"The {what} made no progress for {stallTimeout.TotalSeconds:0} s ({text}).");
            }
            return (done, o, text);
        }, TimeSpan.MaxValue, _poll, status, _ => new InvalidOperationException("unreachable"), ct, stallTimeout).ConfigureAwait(false);
    }

    private static LonghornException Failed(LonghornClaim claim, string why) =>
        new(WildErrorKind.Unreachable, "LonghornBackupFailed", $"Longhorn could not back up claim {claim.Name} (volume {claim.VolumeName}): {why}");

    private static long? ParseLong(string? s) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}
