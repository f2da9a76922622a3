using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>
/// Volume restores the way Longhorn documents them: a Longhorn Volume with <c>spec.fromBackup</c> and the exact
/// <c>spec.size</c> of the backup, waited on until <c>status.restoreRequired</c> is false (progress from its Engine's
/// <c>status.restoreStatus</c>, where Longhorn reports it); then a static PV (<c>csi.driver: driver.longhorn.io</c>,
/// <c>volumeHandle</c> = the volume) reserved for the claim, and the claim bound to it by <c>spec.volumeName</c>.
/// A Backup object the cluster does not know yet (a migration from another cluster over the same target) is first
/// brought in by asking the default BackupTarget to sync.
/// </summary>
public sealed class LonghornRestores(IKubernetesCluster cluster, TimeSpan stallTimeout, TimeSpan? pollInterval = null)
{
    /// <summary>The field manager of the objects a restore makes before the app is applied (claims keep their
    /// <c>volumeName</c> under it when the app's own manifest is applied by <c>wildbackup</c>).</summary>
    public const string FieldManager = "wildbackup-restore";

    private readonly TimeSpan _poll = pollInterval ?? TimeSpan.FromMilliseconds(500);

    /// <summary>A Longhorn volume name for a restored claim: readable, unique, short enough for every Longhorn check.</summary>
    public static string NewVolumeName(string claim)
    {
        var clean = new string(claim.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (clean.Length > 24) clean = clean[..24].TrimEnd('-');
        return $"{(clean.Length == 0 ? "vol" : clean)}-r{Convert.ToHexString(RandomNumberGenerator.GetBytes(5)).ToLowerInvariant()}";
    }

    /// <summary>Makes sure the cluster knows the Backup (syncing the default target when it does not).</summary>
    public async Task EnsureBackupKnownAsync(BackupVolumeRecord v, Action<string> status, CancellationToken ct)
    {
        if (await cluster.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, v.LonghornBackup, ct).ConfigureAwait(false) is not null) return;
        status($"asking Longhorn to sync backup {v.LonghornBackup} from its backup target");
        var target = await cluster.GetAsync(LonghornApi.BackupTargets, LonghornApi.Namespace, LonghornApi.DefaultTarget, ct).ConfigureAwait(false)
            ?? throw new NotFoundException("LonghornNoBackupTarget", "Longhorn has no default BackupTarget, so the volume backups cannot be found. Configure its backup target first.");
        await cluster.ApplyAsync(LonghornApi.BackupTargets, new JsonObject
        {
            ["apiVersion"] = LonghornApi.ApiVersion,
            ["kind"] = "BackupTarget",
            ["metadata"] = new JsonObject { ["name"] = target.Name(), ["namespace"] = LonghornApi.Namespace },
            ["spec"] = new JsonObject { ["syncRequestedAt"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) },
        }, FieldManager, force: true, ct).ConfigureAwait(false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Waits.UntilAsync(async t =>
        {
            var found = await cluster.GetAsync(LonghornApi.Backups, LonghornApi.Namespace, v.LonghornBackup, t).ConfigureAwait(false);
            return (found is not null, true, $"waiting for Longhorn to find backup {v.LonghornBackup}");
        }, stallTimeout, _poll, status, _ => new NotFoundException("LonghornBackupMissing",
            $"Longhorn's backup target does not have backup {v.LonghornBackup} of claim {v.Pvc} (looked for {clock.Elapsed.TotalSeconds:0} s). Was it deleted, or does this cluster use another backup target?") { Target = v.Pvc }, ct).ConfigureAwait(false);
    }

    /// <summary>Creates <paramref name="volumeName"/> from the backup and waits until its data is in.
    /// <paramref name="progress"/> gets (bytes restored, volume bytes).</summary>
    public async Task RestoreVolumeAsync(BackupVolumeRecord v, string volumeName, IReadOnlyDictionary<string, string> labels, Action<long, long> progress, Action<string> status, CancellationToken ct)
    {
        var labelMap = new JsonObject();
        foreach (var (k, val) in labels) labelMap[k] = val;
        await cluster.CreateAsync(LonghornApi.Volumes, new JsonObject
        {
            ["apiVersion"] = LonghornApi.ApiVersion,
            ["kind"] = "Volume",
            ["metadata"] = new JsonObject { ["name"] = volumeName, ["namespace"] = LonghornApi.Namespace, ["labels"] = labelMap },
            ["spec"] = new JsonObject
            {
                ["fromBackup"] = v.BackupUrl,
                ["size"] = v.SizeBytes.ToString(CultureInfo.InvariantCulture),
                ["frontend"] = "blockdev",
                ["dataEngine"] = "v1",
                ["accessMode"] = v.AccessModes.Contains("ReadWriteMany") ? "rwx" : "rwo",
            },
        }, ct).ConfigureAwait(false);
        progress(0, v.SizeBytes);
        var lastChange = System.Diagnostics.Stopwatch.StartNew();
        string? last = null;
        await Waits.UntilAsync(async t =>
        {
            var volume = await cluster.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, volumeName, t).ConfigureAwait(false)
                ?? throw new LonghornException(WildErrorKind.Unreachable, "LonghornObjectVanished", $"Longhorn volume {volumeName} disappeared while restoring claim {v.Pvc}.");
            if (Readiness.Condition(volume, "Restore") is { } c && c.Str("status") == "False" && c.Str("reason") == "RestoreFailure")
                throw Failed(v, c.Str("message") ?? "restore failure");
            if (volume.Str("status", "robustness") == "faulted") throw Failed(v, "the volume is faulted");
            var state = volume.Str("status", "state") ?? "";
            var required = volume.Bool("status", "restoreRequired") ?? true;
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
                ["csi"] = new JsonObject { ["driver"] = LonghornApi.CsiDriver, ["volumeHandle"] = volumeName, ["fsType"] = v.FsType ?? "ext4" },
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

    private static LonghornException Failed(BackupVolumeRecord v, string why) =>
        new(WildErrorKind.Unreachable, "LonghornRestoreFailed", $"Longhorn could not restore claim {v.Pvc} from backup {v.LonghornBackup}: {why}");
}
