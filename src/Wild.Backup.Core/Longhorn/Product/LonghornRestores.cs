using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>
/// Volume restores the way Longhorn documents them, on Longhorn 1.7 to 1.10: a Longhorn Volume with <c>spec.fromBackup</c>
/// and the exact <c>spec.size</c> of the backup — and what the backed-up volume had that Longhorn's Volume mutator does not
/// take from the backup: <c>encrypted</c>, <c>dataEngine</c>, <c>numberOfReplicas</c>, <c>dataLocality</c> and (1.10)
/// <c>backupBlockSize</c> (webhook/resources/volume/mutator.go) — waited on until <c>status.restoreRequired</c> is false
/// (progress from its Engine's <c>status.restoreStatus</c>, where Longhorn reports it); then a static PV
/// (<c>csi.driver: driver.longhorn.io</c>, <c>volumeHandle</c> = the volume, the backed-up PV's CSI secret references)
/// reserved for the claim, and the claim bound to it by <c>spec.volumeName</c>.
/// <para>The Volume mutator reads the Backup object's status, which Longhorn fills only on a reconcile after a sync pulled
/// the Backup in (a migration, a rebuilt cluster): so the Backup is first brought in (asking its BackupTarget to sync,
/// strictly after its last sync on Longhorn's clock, again while waiting) and waited on until its status is synced, and a
/// Volume refused while Longhorn catches up is created again, within the step's time.</para>
/// </summary>
public sealed class LonghornRestores(IKubernetesCluster cluster, TimeSpan stallTimeout, TimeSpan? pollInterval = null)
{
    /// <summary>The field manager of the objects a restore makes before the app is applied (claims keep their
    /// <c>volumeName</c> under it when the app's own manifest is applied by <c>wildbackup</c>).</summary>
    public const string FieldManager = "wildbackup-restore";

    private static readonly TimeSpan RequestAgain = TimeSpan.FromSeconds(5);
    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(500);

    /// <summary>A Longhorn volume name for a restored claim: readable, unique, and a DNS-1123 label of at most 40
    /// characters as Longhorn requires (datastore.CheckVolume).</summary>
    public static string NewVolumeName(string claim)
    {
        var clean = new string(claim.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (clean.Length > 24) clean = clean[..24].TrimEnd('-');
        return $"{(clean.Length == 0 ? "vol" : clean)}-r{Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant()}";
    }

    /// <summary>For an encrypted volume: the passphrase secrets its PV refers to must exist here, or no pod could mount it.
    /// Checked before anything is made.</summary>
    public async Task RequireSecretsAsync(BackupVolumeRecord v, CancellationToken ct)
    {
        if (!v.Encrypted) return;
        var refs = v.CsiSecretRefs ?? new Dictionary<string, CsiSecretReference>();
        if (!refs.ContainsKey("nodeStageSecretRef"))
            throw new InvalidInputException("RestoreEncryptedNoSecret",
                $"Claim {v.Pvc}'s volume is encrypted, but its backup records no passphrase secret (the PV's csi.nodeStageSecretRef), so the restored volume could not be opened.") { Target = v.Pvc };
        foreach (var (field, secret) in refs)
        {
            if (await cluster.GetAsync(ResourceKind.Secret, secret.Namespace, secret.Name, ct).ConfigureAwait(false) is null)
                throw new NotFoundException("RestoreEncryptionSecretMissing",
                    $"Claim {v.Pvc}'s volume is encrypted with the passphrase in Secret {secret.Namespace}/{secret.Name} ({field}), which this cluster does not have. Create it with the same passphrase, then restore again.") { Target = v.Pvc };
        }
    }

    /// <summary>Makes sure the cluster knows the Backup and Longhorn has read its details from the store (state Completed,
    /// <c>volumeSize</c>, <c>lastSyncedAt</c>, and from 1.8 <c>backupTargetName</c>): what the Volume mutator reads.</summary>
    public async Task EnsureBackupReadyAsync(BackupVolumeRecord v, Action<string> status, CancellationToken ct)
    {
        var target = await LonghornTargets.FindAsync(cluster, v.BackupUrl, v.BackupTargetName, ct).ConfigureAwait(false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        System.Diagnostics.Stopwatch? sinceRequest = null;
        DateTimeOffset? requested = null;
        var seen = false;
        await Waits.UntilAsync(async t =>
        {
            var backup = await cluster.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, v.LonghornBackup, t).ConfigureAwait(false);
            if (backup is null)
            {
                var now = await cluster.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, target.Name(), t).ConfigureAwait(false) ?? target;
                if (!LonghornTargets.IsAvailable(now)) return (false, true, $"{LonghornTargets.Unavailability(now)}; waiting for it to find backup {v.LonghornBackup}");
                // Ask (again) once Longhorn has synced past the last request, or after a while: a sync only counts when
                // requested strictly after the previous one, and a poll may have run just before the backup was there.
                if (requested is null || LonghornTargets.LastSyncedAt(now) >= requested || sinceRequest!.Elapsed > RequestAgain)
                {
                    requested = await LonghornTargets.RequestSyncAsync(cluster, now, FieldManager, t).ConfigureAwait(false);
                    sinceRequest = System.Diagnostics.Stopwatch.StartNew();
                }
                return (false, true, $"asking Longhorn to sync backup {v.LonghornBackup} from its backup target {now.Name()}");
            }
            seen = true;
            if (backup.Str("metadata", "deletionTimestamp") is not null)
                throw new NotFoundException("LonghornBackupDeleting", $"Longhorn's backup {v.LonghornBackup} of claim {v.Pvc} is being deleted, so it cannot be restored.") { Target = v.Pvc };
            var state = backup.Str("status", "state") ?? "";
            if (state is "Error" or "Unknown")
                throw Failed(v, $"the backup is in state {state}{(backup.Str("status", "error") is { Length: > 0 } e ? $": {e}" : "")}");
            var synced = state == "Completed" && !string.IsNullOrEmpty(backup.Str("status", "volumeSize")) && backup.Str("status", "lastSyncedAt") is not null
                         && (backup.Str("metadata", "labels", LonghornApi.LabelBackupTarget) is null || !string.IsNullOrEmpty(backup.Str("status", "backupTargetName")));
            return (synced, true, $"waiting for Longhorn to read backup {v.LonghornBackup} from its backup target");
        }, stallTimeout, _poll, status, last => seen
            ? new LonghornException(WildErrorKind.Timeout, "LonghornBackupNotSynced", $"Longhorn did not read backup {v.LonghornBackup} of claim {v.Pvc} from its backup target within {stallTimeout.TotalSeconds:0} s ({last}).") { Target = v.Pvc }
            : new NotFoundException("LonghornBackupMissing",
                $"Longhorn's backup target does not have backup {v.LonghornBackup} of claim {v.Pvc} (looked for {clock.Elapsed.TotalSeconds:0} s: {last}). Was it deleted, or does this cluster use another backup target?") { Target = v.Pvc }, ct).ConfigureAwait(false);
    }

    /// <summary>Creates <paramref name="volumeName"/> from the backup and waits until its data is in.
    /// <paramref name="progress"/> gets (bytes restored, volume bytes).</summary>
    public async Task RestoreVolumeAsync(BackupVolumeRecord v, string volumeName, IReadOnlyDictionary<string, string> labels, Action<long, long> progress, Action<string> status, CancellationToken ct)
    {
        var labelMap = new JsonObject();
        foreach (var (k, val) in labels) labelMap[k] = val;
        var spec = new JsonObject
        {
            ["fromBackup"] = v.BackupUrl,
            ["size"] = v.SizeBytes.ToString(CultureInfo.InvariantCulture),
            ["frontend"] = "blockdev",
            ["dataEngine"] = v.DataEngine ?? "v1",
            ["accessMode"] = v.AccessModes.Contains("ReadWriteMany") ? "rwx" : "rwo",
        };
        if (v.Encrypted) spec["encrypted"] = true;
        if (v.NumberOfReplicas is { } replicas) spec["numberOfReplicas"] = replicas;
        if (v.DataLocality is { Length: > 0 } locality) spec["dataLocality"] = locality;
        if (v.BackupBlockSize is { } blockSize) spec["backupBlockSize"] = blockSize.ToString(CultureInfo.InvariantCulture);
        var volume = new JsonObject
        {
            ["apiVersion"] = LonghornApi.ApiVersion,
            ["kind"] = "Volume",
            ["metadata"] = new JsonObject { ["name"] = volumeName, ["namespace"] = LonghornApi.Namespace, ["labels"] = labelMap },
            ["spec"] = spec,
        };
        var created = await Waits.UntilAsync(async t =>
        {
            try
            {
                return (true, await cluster.CreateAsync(LonghornApi.Volumes, volume.Clone(), t).ConfigureAwait(false), "created");
            }
            catch (InvalidInputException ex) when (ex.Message.Contains("cannot get backup", StringComparison.Ordinal))
            {
                // "cannot get backup volume for backup target  and volume …": Longhorn has not caught up with the sync yet.
                return (false, (JsonObject?)null, $"Longhorn is not ready to restore from backup {v.LonghornBackup} yet ({ex.Message})");
            }
            catch (InvalidInputException ex)
            {
                throw LonghornRefusal.From(ex, $"Longhorn refused to restore claim {v.Pvc} from backup {v.LonghornBackup}", "LonghornRestoreRefused");
            }
        }, stallTimeout, _poll, status, last => new LonghornException(WildErrorKind.Timeout, "LonghornRestoreRefused",
            $"Longhorn kept refusing to restore claim {v.Pvc} for {stallTimeout.TotalSeconds:0} s: {last}") { Target = v.Pvc }, ct).ConfigureAwait(false);
        // The mutator sizes the volume from the Backup's status; a volume smaller than the backup would be a truncated copy.
        if (long.TryParse(created!.Str("spec", "size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size < v.SizeBytes)
        {
            await cluster.DeleteAsync(LonghornApi.Volumes, LonghornApi.Namespace, volumeName, ct).ConfigureAwait(false);
            throw Failed(v, $"Longhorn sized the restored volume {size} bytes, smaller than the backed-up {v.SizeBytes} bytes");
        }
        progress(0, v.SizeBytes);
        var lastChange = System.Diagnostics.Stopwatch.StartNew();
        string? last = null;
        await Waits.UntilAsync(async t =>
        {
            var current = await cluster.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, volumeName, t).ConfigureAwait(false)
                ?? throw new LonghornException(WildErrorKind.Unreachable, "LonghornObjectVanished", $"Longhorn volume {volumeName} disappeared while restoring claim {v.Pvc}.");
            if (Readiness.Condition(current, "Restore") is { } c && c.Str("status") == "False" && c.Str("reason") == "RestoreFailure")
                throw Failed(v, c.Str("message") ?? "restore failure");
            if (current.Str("status", "robustness") == "faulted") throw Failed(v, "the volume is faulted");
            var state = current.Str("status", "state") ?? "";
            var required = current.Bool("status", "restoreRequired") ?? true;
            var percent = await EngineProgressAsync(volumeName, t).ConfigureAwait(false);
            var done = !required && state is "detached" or "attached";
            if (!done) progress(v.SizeBytes * percent / 100, v.SizeBytes);
            var text = done ? "restored" : $"restoring {percent} %";
            if (text != last)
            {
                last = text;
                lastChange.Restart();
            }
            else if (!done && lastChange.Elapsed > stallTimeout)
            {
                throw new LonghornException(WildErrorKind.Timeout, "LonghornStalled", $"Restoring claim {v.Pvc} from Longhorn made no progress for {stallTimeout.TotalSeconds:0} s ({text}).");
            }
            return (done, true, text);
        }, TimeSpan.MaxValue, _poll, status, _ => new InvalidOperationException("unreachable"), ct, stallTimeout).ConfigureAwait(false);
        progress(v.SizeBytes, v.SizeBytes);
    }

    /// <summary>Longhorn reports restore progress per replica on the volume's Engine; their average.</summary>
    private async Task<long> EngineProgressAsync(string volumeName, CancellationToken ct)
    {
        var engines = await cluster.ListAsync(LonghornApi.Engines, LonghornApi.Namespace, $"{LonghornApi.LabelEngineVolume}={volumeName}", ct).ConfigureAwait(false);
        var values = engines.SelectMany(e => e.Obj("status", "restoreStatus")?.Select(r => r.Value.Long("progress") ?? 0) ?? []).ToList();
        return values.Count == 0 ? 0 : Math.Clamp(values.Sum() / values.Count, 0, 100);
    }

    /// <summary>A static PV for the restored volume, reserved for <paramref name="ns"/>/<c>{v.Pvc}</c>, and that claim bound to
    /// it (requesting <paramref name="request"/>, the app manifest's value, so applying the manifest changes nothing).</summary>
    public async Task BindAsync(BackupVolumeRecord v, string volumeName, string ns, string? request, IReadOnlyDictionary<string, string> labels, TimeSpan timeout, CancellationToken ct)
    {
        var labelMap = new JsonObject();
        foreach (var (k, val) in labels) labelMap[k] = val;
        var modes = new JsonArray([.. (v.AccessModes.Count == 0 ? ["ReadWriteOnce"] : v.AccessModes).Select(m => (JsonNode)m)]);
        var pv = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolume",
            ["metadata"] = new JsonObject
            {
                ["name"] = volumeName,
                ["labels"] = labelMap.DeepClone(),
                // As if Longhorn's CSI driver had provisioned it: deleting the claim later deletes the volume.
                ["annotations"] = new JsonObject { ["pv.kubernetes.io/provisioned-by"] = LonghornApi.CsiDriver },
            },
            ["spec"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["storage"] = v.SizeBytes.ToString(CultureInfo.InvariantCulture) },
                ["accessModes"] = modes.DeepClone(),
                ["persistentVolumeReclaimPolicy"] = "Delete",
                ["volumeMode"] = v.VolumeMode ?? "Filesystem",
                ["claimRef"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PersistentVolumeClaim", ["namespace"] = ns, ["name"] = v.Pvc },
                ["csi"] = Csi(v, volumeName),
            },
        };
        if (v.StorageClass is { } sc) pv.Obj("spec")!["storageClassName"] = sc;
        await cluster.ApplyAsync(ResourceKind.PersistentVolume, pv, FieldManager, force: true, ct).ConfigureAwait(false);

        var claim = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "PersistentVolumeClaim",
            ["metadata"] = new JsonObject { ["name"] = v.Pvc, ["namespace"] = ns, ["labels"] = labelMap.DeepClone() },
            ["spec"] = new JsonObject
            {
                ["accessModes"] = modes,
                ["volumeMode"] = v.VolumeMode ?? "Filesystem",
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = request ?? v.Request ?? v.SizeBytes.ToString(CultureInfo.InvariantCulture) } },
                ["volumeName"] = volumeName,
            },
        };
        if (v.StorageClass is { } csc) claim.Obj("spec")!["storageClassName"] = csc;
        await cluster.ApplyAsync(ResourceKind.PersistentVolumeClaim, claim, FieldManager, force: true, ct).ConfigureAwait(false);
        await Waits.UntilAsync(async t =>
        {
            var c = await cluster.GetAsync(ResourceKind.PersistentVolumeClaim, ns, v.Pvc, t).ConfigureAwait(false);
            var phase = c.Str("status", "phase") ?? "Pending";
            return (phase == "Bound", true, $"claim {v.Pvc} {phase}");
        }, timeout, _poll, null, s => new WildTimeoutException("ClaimNotBound", $"The restored claim {ns}/{v.Pvc} was not bound to its volume within {timeout.TotalSeconds:0} s ({s})."), ct).ConfigureAwait(false);
    }

    /// <summary>The PV's CSI source: the restored volume, and the backed-up PV's secret references (an encrypted volume's
    /// passphrase: Longhorn's CSI node opens the LUKS device with the node-stage secret, csi/node_server.go).</summary>
    private static JsonObject Csi(BackupVolumeRecord v, string volumeName)
    {
        var csi = new JsonObject { ["driver"] = LonghornApi.CsiDriver, ["volumeHandle"] = volumeName, ["fsType"] = v.FsType ?? "ext4" };
        foreach (var (field, secret) in v.CsiSecretRefs ?? new Dictionary<string, CsiSecretReference>())
            csi[field] = new JsonObject { ["name"] = secret.Name, ["namespace"] = secret.Namespace };
        return csi;
    }

    private static LonghornException Failed(BackupVolumeRecord v, string why) =>
        new(WildErrorKind.Unreachable, "LonghornRestoreFailed", $"Longhorn could not restore claim {v.Pvc} from backup {v.LonghornBackup}: {why}");
}
