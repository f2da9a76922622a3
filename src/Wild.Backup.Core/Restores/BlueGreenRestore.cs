using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Kubernetes.Kustomize;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Restores;

/// <summary>
/// The design's blue-green app restore, after the backup was validated (10 %): the live app keeps running throughout.
/// <list type="number">
/// <item>20 % — <c>apps/{app}-restore/</c> from the backup's config.tar.gz (safe extraction), its kustomization's
/// <c>namespace:</c> set to the restore namespace (see <see cref="BlueGreenLayout"/>), rendered (a manifest problem stops
/// here, before anything touches the cluster), and the restore namespace created;</item>
/// <item>30–70 % — each Longhorn volume of the backup restored into a new Longhorn volume, by restore progress, and its
/// claim created in the restore namespace bound to it;</item>
/// <item>80 % — the app's Secrets (<see cref="AppSecrets"/>) and manifests applied to the restore namespace, ingress hosts
/// renamed for verification (<see cref="IngressHosts"/>);</item>
/// <item>90 % — workloads, jobs and claims waited on until ready (<see cref="Readiness"/>), up to the timeout;</item>
/// <item>100 % — once ready, the backup's <c>apps.{app}</c> sections merged into config.yaml and secrets.yaml.</item>
/// </list>
/// A failure (or cancellation) at any step removes what the restore made — the restore namespace with its claims, the
/// PVs and Longhorn volumes it restored, <c>apps/{app}-restore/</c> — so it can simply be run again, and reports why
/// (for workloads that never got ready, their pods' states). Nothing of the live app is changed before the copy is ready.
/// </summary>
internal sealed class BlueGreenRestore(
    IKubernetesCluster cluster, IBackupStore store, string backupDir, BackupRecord record, BlueGreenLayout layout, string source,
    AppRestoreOptions options, ProgressReporter progress, TimeSpan pollInterval, TimeSpan volumeDeletionTimeout)
{
    private const string LabelApp = "restore.wildbackup.io/app";
    private const string LabelInstance = "restore.wildbackup.io/instance";
    private const string AnnotationFrom = "restore.wildbackup.io/from-instance";
    private const string AnnotationBackup = "restore.wildbackup.io/backup-created-at";

    private readonly List<string> _persistentVolumes = [];
    private readonly List<string> _longhornVolumes = [];
    private bool _namespaceCreated;
    private bool _directoryCreated;

    private string App => layout.App;
    private WildInstance Instance => layout.Instance;

    public async Task<AppRestoreResult> RunAsync(string liveNamespace, string ns, string backupLocation, CancellationToken ct)
    {
        try
        {
            return await RestoreAsync(liveNamespace, ns, backupLocation, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await RemoveAsync(ns).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<AppRestoreResult> RestoreAsync(string liveNamespace, string ns, string backupLocation, CancellationToken ct)
    {
        // 20 %: the restored directory, rendered for the restore namespace; then the namespace.
        progress.Milestone(Milestones.Restore.CreatingNamespace, ns);
        await ConfigRestore.ExtractArchiveAsync(store, StorePath.Combine(backupDir, BackupLayout.AppFiles.ConfigArchive), layout.RestoreDir, ct).ConfigureAwait(false);
        _directoryCreated = true;
        var kustomization = Path.Combine(layout.RestoreDir, "kustomization.yaml");
        if (!File.Exists(kustomization))
            throw new InvalidInputException("RestoreNoKustomization", $"The backup's app directory has no kustomization.yaml, so app '{App}' cannot be deployed from it.") { Target = App };
        var doc = YamlDocumentText.Load(kustomization, $"{BlueGreenLayout.Show(layout.RestoreDir)}/kustomization.yaml");
        await AtomicFile.WriteAsync(kustomization, Encoding.UTF8.GetBytes(doc.SetValue(["namespace"], ns).Text), null, ct).ConfigureAwait(false);
        var objects = KustomizeRenderer.Render(layout.RestoreDir).Select(o => o.Clone()).ToList();
        var hosts = IngressHosts.Rewrite(objects, progress.Warning);

        var labels = new Dictionary<string, string> { [LabelApp] = App, [LabelInstance] = Instance.Name };
        await cluster.ApplyAsync(ResourceKind.Namespace, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject
            {
                ["name"] = ns,
                ["labels"] = Labels(labels),
                ["annotations"] = new JsonObject { [AnnotationFrom] = source, [AnnotationBackup] = record.CreatedAt.ToString("O") },
            },
        }, LonghornRestores.FieldManager, force: true, ct).ConfigureAwait(false);
        _namespaceCreated = true;

        // 30–70 %: volumes.
        var volumes = await ImportVolumesAsync(objects, ns, labels, ct).ConfigureAwait(false);
        foreach (var claim in objects.Where(o => o.Kind() == "PersistentVolumeClaim" && volumes.All(v => v.Pvc != o.Name())))
            progress.Warning($"The backup holds no volume data for claim {claim.Name()}; it starts empty.");

        // 80 %: secrets and manifests.
        progress.Milestone(Milestones.Restore.Deploying, $"{objects.Count} objects to {ns}");
        var provided = new HashSet<string>(StringComparer.Ordinal);
        var manifestPath = Path.Combine(layout.RestoreDir, "manifest.yaml");
        // Read as far as it can be: a manifest copied unrendered ({{ … }}) or not strict YAML is a warning, not a failure.
        var manifest = AppManifest.Read(manifestPath, $"apps/{App}/manifest.yaml (from the backup)");
        foreach (var warning in manifest?.Warnings ?? []) progress.Warning(warning);
        if (AppSecrets.BuildAppSecret(App, ns, manifest?.Document, await SecretsWithBackupSectionAsync(ct).ConfigureAwait(false), progress.Warning) is { } appSecret)
        {
            progress.Verbose($"Creating Secret {appSecret.Name()} from secrets.yaml");
            await cluster.ApplyAsync(ResourceKind.Secret, appSecret, ManifestApplier.FieldManager, force: true, ct).ConfigureAwait(false);
            provided.Add(appSecret.Name());
        }
        var requires = (manifest?.Requires ?? [])
            .Select(r => Directory.Exists(Instance.AppPath(r)) ? new BlueGreenLayout(Instance, r).LiveNamespace : r);
        await AppSecrets.CopyReferencedAsync(cluster, objects, ns, provided, [liveNamespace, .. requires, "cert-manager"], progress.Verbose, progress.Warning, ct).ConfigureAwait(false);
        var applied = await ManifestApplier.ApplyAsync(cluster, objects, progress.Verbose, progress.Warning, ct).ConfigureAwait(false);

        // 90 %: ready.
        progress.Milestone(Milestones.Restore.WaitingForPods, ns);
        var health = await WaitReadyAsync(applied, ns, ct).ConfigureAwait(false);

        // 100 %: the app's configuration, now that the copy works.
        var config = await ConfigRestore.RestoreAppConfigAsync(store, backupDir, record, Instance, App, progress, ct).ConfigureAwait(false);
        progress.Milestone(Milestones.Restore.Complete, $"{App} ready in {ns}; switch with Switch-WildRestore");
        return new AppRestoreResult
        {
            Instance = Instance.Name,
            App = App,
            FromInstance = source,
            BackupLocation = backupLocation,
            BackupCreatedAt = record.CreatedAt,
            Namespace = ns,
            LiveNamespace = liveNamespace,
            Directory = layout.RestoreDir,
            Volumes = volumes,
            Hosts = hosts,
            Objects = applied.Select(a => $"{a.Kind.Kind} {a.Object.Name()}").ToList(),
            Config = config.Items,
            Health = health,
        };
    }

    private static JsonObject Labels(IReadOnlyDictionary<string, string> labels)
    {
        var o = new JsonObject();
        foreach (var (k, v) in labels) o[k] = v;
        return o;
    }

    /// <summary>secrets.yaml as JSON with <c>apps.{app}</c> replaced by the backup's section (what secrets.yaml will hold
    /// once the restore is complete), for building <c>{app}-secrets</c>.</summary>
    private async Task<JsonObject> SecretsWithBackupSectionAsync(CancellationToken ct)
    {
        var secrets = File.Exists(Instance.SecretsPath)
            ? YamlObjects.ParseObject(await File.ReadAllTextAsync(Instance.SecretsPath, ct).ConfigureAwait(false), "secrets.yaml")
            : new JsonObject();
        if (record.Files.Any(f => f.Name == BackupLayout.AppFiles.AppSecrets))
        {
            await using var s = await store.OpenReadAsync(StorePath.Combine(backupDir, BackupLayout.AppFiles.AppSecrets), ct).ConfigureAwait(false);
            using var reader = new StreamReader(s, Encoding.UTF8);
            var section = YamlObjects.ParseDocuments(await reader.ReadToEndAsync(ct).ConfigureAwait(false), BackupLayout.AppFiles.AppSecrets).FirstOrDefault();
            secrets.Ensure("apps")[App] = section?.DeepClone();
        }
        return secrets;
    }

    /// <summary>30–70 %: each recorded volume restored from Longhorn and bound to its claim in the restore namespace.</summary>
    private async Task<IReadOnlyList<RestoredVolume>> ImportVolumesAsync(IReadOnlyList<JsonObject> objects, string ns, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var range = Milestones.Restore.ImportingVolumes;
        var total = record.Volumes.Sum(v => Math.Max(1, v.SizeBytes));
        progress.Milestone(range, record.Volumes.Count == 0 ? "the backup holds no volumes" : $"{record.Volumes.Count} volumes");
        var restored = new List<RestoredVolume>();
        if (record.Volumes.Count == 0) return restored;
        await LonghornApi.RequireAsync(cluster, ct).ConfigureAwait(false);
        // An encrypted volume's passphrase secret must be here before anything is made.
        foreach (var v in record.Volumes) await new LonghornRestores(cluster, options.Timeout, pollInterval).RequireSecretsAsync(v, ct).ConfigureAwait(false);
        long before = 0;
        foreach (var v in record.Volumes)
        {
            // Silence allowed: the timeout plus a minute per GiB, as for any operation step (OperationManager.StepLimit).
            var restores = new LonghornRestores(cluster, Operations.OperationManager.StepLimit(options.Timeout, v.SizeBytes), pollInterval);
            if (v.CarriedOver) progress.Warning($"Claim {v.Pvc}: the backup carried its volume over from an earlier backup (data as of {v.BackedUpAt:u}).");
            await restores.EnsureBackupReadyAsync(v, progress.Verbose, ct).ConfigureAwait(false);
            var volumeName = LonghornRestores.NewVolumeName(v.Pvc);
            _longhornVolumes.Add(volumeName);
            var done = before;
            await restores.RestoreVolumeAsync(v, volumeName, labels, (bytes, _) => progress.Bytes(range, done + bytes, total, v.Pvc), progress.Verbose, ct).ConfigureAwait(false);
            _persistentVolumes.Add(volumeName);
            await restores.BindAsync(v, volumeName, ns, ClaimRequest(objects, v), labels, options.Timeout, ct).ConfigureAwait(false);
            before += Math.Max(1, v.SizeBytes);
            progress.Bytes(range, before, total, v.Pvc);
            restored.Add(new RestoredVolume(v.Pvc, volumeName, v.SizeBytes, v.LonghornBackup));
        }
        return restored;
    }

    /// <summary>
    /// What the restored claim requests: the app's manifest's value, unless that is less than the volume had when backed
    /// up — a claim is restored with the size it had (Kubernetes never shrinks a claim, and the data needs the room). Then
    /// the manifest's claim (if the app defines one) is raised to match, so applying it changes nothing, and a warning says so.
    /// </summary>
    private string? ClaimRequest(IReadOnlyList<JsonObject> objects, BackupVolumeRecord v)
    {
        var asked = RequestFor(objects, v.Pvc);
        if (asked is null || Bytes(asked) is not { } askedBytes || askedBytes >= v.SizeBytes) return asked;
        var had = v.Request is { } r && Bytes(r) >= v.SizeBytes ? r : v.SizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        progress.Warning($"Claim {v.Pvc} is restored with {had}, the size it had when backed up; the app's manifest now asks for {asked}.");
        if (objects.FirstOrDefault(o => o.Kind() == "PersistentVolumeClaim" && o.Name() == v.Pvc) is { } pvc)
            pvc.Ensure("spec", "resources", "requests")["storage"] = had;
        return had;
    }

    private static long? Bytes(string quantity)
    {
        try
        {
            return Longhorn.BlockStore.Quantity.Parse(quantity);
        }
        catch (CorruptBackupException)
        {
            return null; // a quantity this cannot read (e.g. 1.5Gi): the manifest's value is kept
        }
    }

    /// <summary>The storage the app's manifests request for a claim (its PVC, or the StatefulSet template it comes from).</summary>
    private static string? RequestFor(IReadOnlyList<JsonObject> objects, string claim)
    {
        if (objects.FirstOrDefault(o => o.Kind() == "PersistentVolumeClaim" && o.Name() == claim) is { } pvc)
            return pvc.Str("spec", "resources", "requests", "storage");
        foreach (var sts in objects.Where(o => o.Kind() == "StatefulSet"))
        {
            foreach (var t in sts.Arr("spec", "volumeClaimTemplates")?.OfType<JsonObject>() ?? [])
            {
                var prefix = $"{t.Name()}-{sts.Name()}-";
                if (claim.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(claim[prefix.Length..], out _))
                    return t.Str("spec", "resources", "requests", "storage");
            }
        }
        return null;
    }

    /// <summary>90 %: waits until every workload, job and claim applied is ready; a failed one (or the timeout) fails the
    /// restore with the states of the pods that are not ready.</summary>
    private async Task<IReadOnlyList<ObjectHealth>> WaitReadyAsync(IReadOnlyList<AppliedObject> applied, string ns, CancellationToken ct)
    {
        var waitable = applied.Where(a => Readiness.IsWaitable(a.Kind.Kind)).ToList();
        try
        {
            return await Waits.UntilAsync(async t =>
            {
                var health = new List<ObjectHealth>();
                foreach (var a in waitable)
                {
                    var current = await cluster.GetAsync(a.Kind, a.Object.Namespace(), a.Object.Name(), t).ConfigureAwait(false);
                    health.Add(current is null ? new ObjectHealth(a.Object.Describe(), HealthState.InProgress, "missing") : Readiness.Check(current));
                }
                if (health.FirstOrDefault(h => h.State == HealthState.Failed) is { } failed)
                {
                    throw new ConflictException("RestoreWorkloadFailed",
                        $"The restored app '{App}' failed: {failed.Object} {failed.Status}.{await PodProblemsAsync(ns, t).ConfigureAwait(false)} The restore was removed; the live app was not touched.") { Target = App };
                }
                var waiting = health.Where(h => !h.Ready).ToList();
                var status = waiting.Count == 0 ? "all ready"
                    : $"{health.Count - waiting.Count} of {health.Count} ready; waiting for {string.Join("; ", waiting.Take(3).Select(h => $"{h.Object} ({h.Status})"))}";
                return (waiting.Count == 0, (IReadOnlyList<ObjectHealth>)health, status);
            }, options.Timeout, pollInterval, progress.Verbose, status => new WildTimeoutException("RestoreNotReady", status), ct).ConfigureAwait(false);
        }
        catch (WildTimeoutException ex) when (ex.ErrorId == "RestoreNotReady")
        {
            throw new WildTimeoutException("RestoreNotReady",
                $"The restored app '{App}' was not ready within {options.Timeout.TotalSeconds:0} s: {ex.Message}.{await PodProblemsAsync(ns, ct).ConfigureAwait(false)} The restore was removed; the live app was not touched.") { Target = App };
        }
    }

    /// <summary>" Pods: gitea-x: container gitea: CrashLoopBackOff." for the pods of the namespace that are not ready.</summary>
    private async Task<string> PodProblemsAsync(string ns, CancellationToken ct)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(20));
            var pods = await cluster.ListAsync(ResourceKind.Pod, ns, null, deadline.Token).ConfigureAwait(false);
            var problems = pods.Select(p => (Pod: p, Health: Readiness.Check(p))).Where(x => !x.Health.Ready)
                .Select(x => $"{x.Pod.Name()}: {x.Health.Status}").Take(5).ToList();
            return problems.Count == 0 ? "" : " Pods not ready: " + string.Join("; ", problems) + ".";
        }
        catch (Exception ex) when (ex is WildBackupException or OperationCanceledException)
        {
            return "";
        }
    }

    /// <summary>Removes what this restore made; problems are reported as warnings (the restore's own error is what counts).</summary>
    private async Task RemoveAsync(string ns)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = cts.Token;
        async Task Quietly(string what, Func<Task> step)
        {
            try
            {
                await step().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WildBackupException or IOException or UnauthorizedAccessException or OperationCanceledException)
            {
                progress.Warning($"Could not remove {what} after the failed restore: {ex.Message}");
            }
        }
        if (_namespaceCreated)
        {
            await Quietly($"namespace {ns}", async () =>
            {
                await cluster.DeleteAsync(ResourceKind.Namespace, null, ns, ct).ConfigureAwait(false);
                await Waits.UntilAsync(async t => (await cluster.GetAsync(ResourceKind.Namespace, null, ns, t).ConfigureAwait(false) is null, true, "terminating"),
                    TimeSpan.FromSeconds(60), pollInterval, null, _ => new WildTimeoutException("NamespaceNotGone", $"namespace {ns} is still terminating"), ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        foreach (var pv in _persistentVolumes) await Quietly($"PersistentVolume {pv}", () => cluster.DeleteAsync(ResourceKind.PersistentVolume, null, pv, ct)).ConfigureAwait(false);
        foreach (var v in _longhornVolumes) await Quietly($"Longhorn volume {v}", () => cluster.DeleteAsync(LonghornApi.Volumes, LonghornApi.Namespace, v, ct)).ConfigureAwait(false);
        // Longhorn deletes a volume asynchronously (its data first, then the finalizer): a restore that was cleaned up leaves
        // nothing behind, so the volumes are waited on — within a bound; what is still there then is said.
        if (_longhornVolumes.Count > 0)
        {
            await Quietly($"Longhorn volumes {string.Join(", ", _longhornVolumes)}", () => Waits.UntilAsync(async t =>
            {
                var left = new List<string>();
                foreach (var v in _longhornVolumes)
                {
                    if (await cluster.GetAsync(LonghornApi.Volumes, LonghornApi.Namespace, v, t).ConfigureAwait(false) is not null) left.Add(v);
                }
                return (left.Count == 0, true, string.Join(", ", left));
            }, volumeDeletionTimeout, pollInterval, null, left => new WildTimeoutException("LonghornVolumeNotGone", $"Longhorn has not finished deleting {left} within {volumeDeletionTimeout.TotalSeconds:0} s; it goes on in the background"), ct)).ConfigureAwait(false);
        }
        if (_directoryCreated && Directory.Exists(layout.RestoreDir))
            await Quietly(BlueGreenLayout.Show(layout.RestoreDir), () => Task.Run(() => Directory.Delete(layout.RestoreDir, recursive: true), ct)).ConfigureAwait(false);
    }
}
