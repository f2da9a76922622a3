using System.Reflection;
using System.Runtime.CompilerServices;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Images;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Longhorn.Product;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core;

/// <summary>Which instance, under which data dir, backed up where. Nulls mean "resolve the default"
/// (see <see cref="InstanceDirectory.Resolve"/>, <see cref="InstanceDirectory.ResolveInstance"/>, <see cref="DestinationResolver"/>).</summary>
public sealed record InstanceSelector(string? DataDir = null, string? Instance = null, string? Destination = null);

/// <summary>Knobs of the engine; defaults suit production.</summary>
public sealed record EngineOptions
{
    /// <summary>Opens a destination string as a store. Tests swap in wrapped stores (faults, crashes).</summary>
    public Func<string, IBackupStore> OpenStore { get; init; } = d => StoreFactory.Open(d);
    /// <summary>A lock not refreshed for this long is taken over.</summary>
    public TimeSpan LockStaleAfter { get; init; } = DestinationLock.DefaultStaleAfter;
    /// <summary>Deadline of one storage call (and of each read/write on its streams).</summary>
    public TimeSpan StorageCallTimeout { get; init; } = StoreFactory.DefaultCallTimeout;
    /// <summary>Extra free space demanded beyond a backup's estimated size.</summary>
    public long SpaceMarginBytes { get; init; } = 1 << 20;
    /// <summary>Opens an instance's cluster; null: its kubeconfig through KubernetesClient (<see cref="Kubernetes.KubernetesRestCluster"/>).</summary>
    public Func<WildInstance, Kubernetes.IKubernetesCluster>? OpenCluster { get; init; }
    /// <summary>Deadline of one Kubernetes API request.</summary>
    public TimeSpan ClusterCallTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Deadline of the cluster check before app backups take volume backups (an unreachable cluster is reported,
    /// not waited for).</summary>
    public TimeSpan ClusterProbeTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>A Longhorn volume backup that shows no progress for this long fails (large volumes that keep progressing
    /// are never cut off).</summary>
    public TimeSpan VolumeBackupStallTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>How often the engine polls the cluster while it waits.</summary>
    public TimeSpan ClusterPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long deleting a superseded Longhorn backup (and confirming it with a sync of the backup target) may take
    /// before it is left pending for the next run; also bounds how long a failed restore waits for its Longhorn volumes to go.</summary>
    public TimeSpan VolumeDeletionTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// The engine: every user-facing action, independent of PowerShell and HTTP. Each method takes what to act on,
/// reports progress through an <see cref="IOperationObserver"/>, honours its CancellationToken, and throws only
/// <see cref="WildBackupException"/>s (or OperationCanceledException).
/// </summary>
public sealed partial class WildBackupEngine(EngineOptions? options = null)
{
    private readonly EngineOptions _options = options ?? new EngineOptions();

    public static string ToolVersion { get; } =
        typeof(WildBackupEngine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    // ----- instances and apps -----

    public IReadOnlyList<WildInstance> GetInstances(string? dataDir) => InstanceDirectory.Resolve(dataDir).ListInstances();

    public WildInstance GetInstance(InstanceSelector selector) => InstanceDirectory.Resolve(selector.DataDir).ResolveInstance(selector.Instance);

    public IReadOnlyList<WildApp> GetApps(InstanceSelector selector)
    {
        var dir = InstanceDirectory.Resolve(selector.DataDir);
        return dir.ListApps(dir.ResolveInstance(selector.Instance));
    }

    public WildApp GetApp(InstanceSelector selector, string name)
    {
        var dir = InstanceDirectory.Resolve(selector.DataDir);
        return dir.GetApp(dir.ResolveInstance(selector.Instance), name);
    }

    /// <summary>Where backups of the selected instance go, as shown to people (credentials removed).</summary>
    public string DescribeDestination(InstanceSelector selector) =>
        StoreFactory.Redact(DestinationResolver.Resolve(selector.Destination, GetInstance(selector)));

    // ----- backup -----

    /// <summary>Backs up one app's configuration (latest only, verified, atomic).</summary>
    /// <param name="exportImages">Also write <c>volumes/{pvc}.qcow2</c> of each volume (on anyway when config.yaml says
    /// <c>cloud.backup.exportImages: true</c>, see <see cref="ImageSettings"/>).</param>
    public Task<BackupInfo> BackupAppAsync(InstanceSelector selector, string app, IOperationObserver observer, CancellationToken ct, bool exportImages = false) =>
        Guarded(ct, t => BackupAppCoreAsync(selector, app, observer, exportImages, t));

    private async Task<BackupInfo> BackupAppCoreAsync(InstanceSelector selector, string app, IOperationObserver observer, bool exportImages, CancellationToken ct)
    {
        WildName.Validate(app, "app");
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var job = AppJob(scope, scope.Directory.GetApp(scope.Instance, app), exportImages);
        return await SingleAsync(RunBackupsAsync(scope, [job], observer, null, ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Backs up several apps (all of them when <paramref name="apps"/> is null), yielding each outcome as its batch is
    /// committed. One app failing does not stop the others; storage that cannot be reached or is full stops the run
    /// (every further app would fail the same way) after reporting the apps it happened to.
    /// </summary>
    public async IAsyncEnumerable<BackupOutcome> BackupAppsAsync(InstanceSelector selector, IReadOnlyList<string>? apps, IOperationObserver observer, [EnumeratorCancellation] CancellationToken ct, bool exportImages = false)
    {
        var slot = new StallSlot();
        var abandon = CancellationTokenSource.CreateLinkedTokenSource(ct); // not disposed: an abandoned step may still hold its token
        var outcomes = BackupAppsCoreAsync(selector, apps, observer, exportImages, abandon.Token).GetAsyncEnumerator(abandon.Token);
        await using (outcomes.ConfigureAwait(false))
        {
            while (await Guarded(ct, _ => outcomes.MoveNextAsync().AsTask(), slot, abandon).ConfigureAwait(false)) yield return outcomes.Current;
        }
    }

    private async IAsyncEnumerable<BackupOutcome> BackupAppsCoreAsync(InstanceSelector selector, IReadOnlyList<string>? apps, IOperationObserver observer, bool exportImages, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var jobs = new List<BackupJob>();
        var failures = new List<BackupOutcome>();
        if (apps is null) jobs.AddRange(scope.Directory.ListApps(scope.Instance).Select(a => AppJob(scope, a, exportImages)));
        foreach (var name in apps?.Distinct(StringComparer.Ordinal) ?? [])
        {
            try
            {
                jobs.Add(AppJob(scope, scope.Directory.GetApp(scope.Instance, name), exportImages));
            }
            catch (WildBackupException ex)
            {
                failures.Add(new BackupOutcome(WildName.Show(name), null, ex));
            }
        }
        // Names that are not apps are reported first, in the order given; then the backups as they complete.
        foreach (var f in failures) yield return f;
        // Several apps: an overall bar with each app's bar under it. One app: just its own.
        var overall = jobs.Count > 1 ? new ProgressReporter(observer, "instance", $"Backing up {jobs.Count} apps of {scope.Instance.Name}") : null;
        // The run's bar first, so front ends draw each app's bar under it from the app's first event on.
        overall?.Milestone(new Milestone(0, "Backing up apps"), $"{jobs.Count} apps");
        await foreach (var outcome in RunBackupsAsync(scope, jobs, observer, overall, ct).ConfigureAwait(false)) yield return outcome;
    }

    /// <summary>Backs up the cluster-level files: kubeconfig, talosconfig, config and secrets without apps, cluster services.</summary>
    public Task<BackupInfo> BackupClusterAsync(InstanceSelector selector, IOperationObserver observer, CancellationToken ct) => Guarded(ct, t => BackupClusterCoreAsync(selector, observer, t));

    private async Task<BackupInfo> BackupClusterCoreAsync(InstanceSelector selector, IOperationObserver observer, CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var job = new BackupJob(BackupLayout.ClusterSlot, BackupLayout.Cluster(scope.Instance.Name), null, "backup_cluster", "the cluster",
            "cluster", $"Backing up cluster of {scope.Instance.Name}", (snapshot, warn) => BackupSources.ForCluster(snapshot, warn));
        return await SingleAsync(RunBackupsAsync(scope, [job], observer, null, ct)).ConfigureAwait(false);
    }

    /// <summary>One backup to take: where it goes, and how to read its contents from the instance snapshot.</summary>
    private sealed record BackupJob(string Name, BackupSlotAddress Address, string? App, string Operation, string What, string Target, string Activity,
        Func<InstanceSnapshot, Action<string>, BackupContents> Contents)
    {
        /// <summary>The app, for app backups (its Longhorn volumes are backed up too).</summary>
        public WildApp? AppInfo { get; init; }
        /// <summary>Write an image of each volume into the backup (<c>volumes/{pvc}.qcow2</c>).</summary>
        public bool ExportImages { get; init; }
    }

    private static BackupJob AppJob(Scope scope, WildApp app, bool exportImages = false) =>
        new(app.Name, BackupLayout.App(scope.Instance.Name, app.Name), app.Name, "backup_app", $"app '{app.Name}'", "apps/" + app.Name,
            $"Backing up app {app.Name}", (snapshot, warn) => BackupSources.ForApp(snapshot, app, warn))
        {
            AppInfo = app,
            ExportImages = exportImages || ImageSettings.ExportImages(scope.Instance),
        };

    /// <summary>The one outcome of a one-job run: its backup, or its error rethrown.</summary>
    private static async Task<BackupInfo> SingleAsync(IAsyncEnumerable<BackupOutcome> outcomes)
    {
        BackupOutcome? only = null;
        await foreach (var o in outcomes.ConfigureAwait(false)) only = o;
        if (only?.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        return only?.Backup ?? throw new InvalidOperationException("a one-job run produced no outcome");
    }

    /// <summary>Backups prepared and locked together (one listing of their directory serves all their repairs).</summary>
    private const int ChunkMaxBackups = 128;
    /// <summary>Staged backups are committed in groups of at most this weight or <see cref="BatchMaxBytes"/>, so a long run
    /// keeps finished work: a configuration-only backup (milliseconds) weighs 1, one that backs up volumes (minutes)
    /// <see cref="VolumeBackupWeight"/>.</summary>
    private const int CommitMaxWeight = 128;
    private const int VolumeBackupWeight = 4;
    private const long BatchMaxBytes = 256L << 20;

    /// <summary>
    /// Takes the backups: one snapshot of the instance's config files for the run, then chunks of up to
    /// <see cref="ChunkMaxBackups"/>: each backup's contents read; space checked; the slots locked; each parent
    /// directory listed once and every slot repaired from it; the apps' volumes planned from their previous records; then,
    /// group by group (<see cref="CommitMaxWeight"/>), the backups staged and committed (<see cref="BackupBatch"/>) and
    /// their outcomes yielded; the chunk's locks released. Per-backup steps run a few at a time
    /// (<see cref="Concurrently"/>). Outcomes come in job order.
    /// </summary>
    private async IAsyncEnumerable<BackupOutcome> RunBackupsAsync(Scope scope, IReadOnlyList<BackupJob> jobs, IOperationObserver observer, ProgressReporter? overall, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var volumes = new AppVolumeBackups(scope.Instance, scope.Destination, _options, OpenClusterOf);
        var run = new BackupRun(scope, new InstanceSnapshot(scope.Instance), _options, volumes, OpenWatchedStore);
        var range = new Milestone(0, "Backing up apps", 100);
        var states = new JobState?[jobs.Count];
        JobState State(int i) => states[i] ??= new JobState(jobs[i], new ProgressReporter(observer, jobs[i].Target, jobs[i].Activity, overall?.Target));
        for (var start = 0; start < jobs.Count;)
        {
            // "Creating snapshot" for up to a chunk's worth of jobs at once: reading one app's files does not wait for another's.
            var ahead = Enumerable.Range(start, Math.Min(ChunkMaxBackups, jobs.Count - start)).Select(State).Where(s => s.Contents is null && s.Outcome is null).ToList();
            await Concurrently.ForEachAsync(ahead, s =>
            {
                run.ReadContents(s);
                return Task.CompletedTask;
            }, ct).ConfigureAwait(false);
            var chunk = new List<JobState>();
            long estimated = 0;
            for (var i = start; i < jobs.Count && chunk.Count < ChunkMaxBackups && estimated < BatchMaxBytes; i++)
            {
                var state = State(i);
                chunk.Add(state);
                overall?.Bytes(range, i, jobs.Count, $"{jobs[i].Name} ({i + 1} of {jobs.Count})");
                await run.PrepareAsync(state, ct).ConfigureAwait(false);
                estimated += state.Contents?.EstimatedBytes ?? 0;
                if (run.Stopped) break;
            }
            try
            {
                await run.LockAndPlanAsync(chunk, ct).ConfigureAwait(false);
                foreach (var group in run.CommitGroups(chunk))
                {
                    await run.StageAndCommitAsync(group, ct).ConfigureAwait(false);
                    foreach (var state in group) yield return state.Outcome!;
                }
            }
            finally
            {
                // Also when cancelled, failed, or abandoned by the caller half-way: nothing stays locked.
                await run.ReleaseAsync(chunk).ConfigureAwait(false);
            }
            start += chunk.Count;
            if (run.Stopped) yield break;
        }
        overall?.Milestone(new Milestone(100, "Backing up apps"), $"{jobs.Count} apps");
    }

    /// <summary>A backup job as it goes through a run: its contents, its lock, its staged form, its outcome.</summary>
    private sealed class JobState(BackupJob job, ProgressReporter progress)
    {
        public BackupJob Job => job;
        public ProgressReporter Progress => progress;
        public BackupContents? Contents { get; set; }
        public DestinationLock? Lock { get; set; }
        public BackupBatch.Staged? Staged { get; set; }
        public BackupOutcome? Outcome { get; set; }
        /// <summary>The app's Longhorn volumes in this run.</summary>
        public AppVolumeBackups.Plan? Volumes { get; set; }
        public void Fail(Exception ex) => Outcome ??= new BackupOutcome(job.Name, null, ex);
    }

    /// <summary>The state of one backup run against one destination: free space, directories made, whether storage failed.</summary>
    private sealed class BackupRun(Scope scope, InstanceSnapshot snapshot, EngineOptions options, AppVolumeBackups volumes, Func<string, IBackupStore> openStore)
    {
        private readonly HashSet<string> _parentsMade = new(StringComparer.Ordinal);
        private long? _free;
        private Exception? _storageFailure;

        /// <summary>Storage became unreachable or full: every further backup would fail the same way.</summary>
        public bool Stopped { get; private set; }

        private IBackupStore Store => scope.Store;

        /// <summary>"Creating snapshot": the backup's contents read from the instance. Safe to call for several jobs at once.</summary>
        public void ReadContents(JobState s)
        {
            try
            {
                s.Progress.Milestone(Milestones.Backup.CreatingSnapshot, "reading configuration");
                s.Contents = s.Job.Contents(snapshot, s.Progress.Warning);
            }
            catch (Exception ex) when (IsBackupFailure(ex))
            {
                Record(s, ex);
            }
        }

        /// <summary>"Connecting to backup storage" (after <see cref="ReadContents"/>): check space, make the parent directory.</summary>
        public async Task PrepareAsync(JobState s, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            if (s.Contents is not { } contents) return; // reading them failed: recorded
            try
            {
                s.Progress.Milestone(Milestones.Backup.ConnectingToStorage, scope.Destination);
                if (_free is null)
                {
                    await Store.ProbeAsync(ct).ConfigureAwait(false);
                    _free = (await Store.GetSpaceAsync(ct).ConfigureAwait(false)).FreeBytes;
                }
                var need = contents.EstimatedBytes + options.SpaceMarginBytes;
                if (_free < need) throw new NoSpaceException(need, $"{_free} bytes free at {scope.Destination}");
                _free -= contents.EstimatedBytes;
                if (_parentsMade.Add(s.Job.Address.Parent)) await Store.CreateDirectoryAsync(s.Job.Address.Parent, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsBackupFailure(ex))
            {
                Record(s, ex);
            }
        }

        /// <summary>Takes the slot's lock (after <see cref="PrepareAsync"/>). Safe to call for several jobs at once.</summary>
        private async Task LockAsync(JobState s, CancellationToken ct)
        {
            if (s.Outcome is not null) return;
            try
            {
                s.Lock = await DestinationLock.AcquireAsync(Store, s.Job.Address, s.Job.Operation, s.Job.What, options.LockStaleAfter, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsBackupFailure(ex))
            {
                Record(s, ex);
            }
        }

        /// <summary>Locks the prepared jobs of a chunk, repairs their slots and plans their volumes. A storage failure
        /// fails every job of the chunk not yet decided (and stops the run).</summary>
        public async Task LockAndPlanAsync(List<JobState> chunk, CancellationToken ct)
        {
            try
            {
                await Concurrently.ForEachAsync(chunk, s => LockAsync(s, ct), ct).ConfigureAwait(false);
                var ready = chunk.Where(s => s.Lock is not null && s.Outcome is null).ToList();
                // Every slot of the chunk is locked now: one listing per parent directory serves all their repairs.
                foreach (var group in ready.GroupBy(s => s.Job.Address.Parent))
                {
                    var bySlot = (await Store.ListAsync(group.Key, ct).ConfigureAwait(false)).ToLookup(e => BackupSlotAddress.SlotOf(e.Name), StringComparer.Ordinal);
                    foreach (var s in group) await Guard(s, () => new BackupSlot(Store, s.Job.Address).RepairAsync(bySlot[s.Job.Address.Name].ToList(), ct)).ConfigureAwait(false);
                }
                // Repaired, each slot's previous backup (if any) is at its live path: plan the apps' volumes from it.
                var apps = ready.Where(s => s.Outcome is null && s.Job.AppInfo is not null).ToList();
                var previous = new BackupRecord?[apps.Count];
                await Concurrently.ForEachAsync(Enumerable.Range(0, apps.Count), i => Guard(apps[i], async () => previous[i] = await PreviousRecordAsync(apps[i], ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
                for (var i = 0; i < apps.Count; i++)
                {
                    if (apps[i].Outcome is null) await Guard(apps[i], () => PlanVolumesAsync(apps[i], previous[i], ct)).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (IsBackupFailure(ex))
            {
                StorageFailed(chunk, ex);
            }
        }

        /// <summary>Consecutive groups of a locked chunk, each committed on its own (<see cref="CommitMaxWeight"/>); jobs
        /// already decided ride along in order.</summary>
        public IEnumerable<List<JobState>> CommitGroups(List<JobState> chunk) => Concurrently.Groups(chunk, s => s.Outcome is null && s.Contents is { } c
            ? (c.Volumes.Any(v => v.EstimatedBytes > 0) ? VolumeBackupWeight : 1, c.ExportBytes)
            : (0, 0L), CommitMaxWeight, BatchMaxBytes);

        /// <summary>Stages and commits one group of locked, planned jobs and records their outcomes. After a storage
        /// failure in an earlier group, the group fails with it without touching storage.</summary>
        public async Task StageAndCommitAsync(List<JobState> group, CancellationToken ct)
        {
            if (_storageFailure is { } failed)
            {
                foreach (var s in group) s.Fail(failed);
                return;
            }
            var ready = group.Where(s => s.Lock is not null && s.Outcome is null).ToList();
            if (ready.Count == 0) return;
            await using var batch = new BackupBatch(Store);
            try
            {
                // Staging is mostly CPU (archive, compress, hash) with synchronous file I/O: a few backups at a time.
                await Concurrently.ForEachAsync(ready, s => Guard(s, async () =>
                    s.Staged = await batch.StageAsync(new BackupSlot(Store, s.Job.Address), s.Contents!, s.Progress, item => MakeRecord(s, item), ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
                var staged = ready.Where(s => s.Staged is not null).ToList();
                if (staged.Count > 0) await batch.CommitAsync(ct).ConfigureAwait(false);
                foreach (var s in staged)
                {
                    if (s.Staged!.Record is { } record)
                    {
                        if (s.Volumes is { } plan) await volumes.PruneAsync(plan, record, s.Progress, ct).ConfigureAwait(false);
                        var info = BackupInfo.From(record, scope.LocationOf(s.Job.Address.LivePath));
                        s.Progress.Milestone(Milestones.Backup.Complete, $"{info.Files.Count} files, {info.Size} bytes");
                        s.Outcome = new BackupOutcome(s.Job.Name, info, null);
                    }
                    else
                    {
                        s.Fail(s.Staged.Error!);
                    }
                }
            }
            catch (Exception ex) when (IsBackupFailure(ex))
            {
                StorageFailed(group, ex);
            }
        }

        /// <summary>Releases what a chunk holds — also when cancelled or failed half-way: Longhorn backups of backups that
        /// did not make it (recorded nowhere), then the locks.</summary>
        public async Task ReleaseAsync(List<JobState> chunk)
        {
            foreach (var s in chunk.Where(s => s.Volumes is not null && s.Staged?.Record is null)) await volumes.DiscardAsync(s.Volumes!, s.Progress).ConfigureAwait(false);
            await Concurrently.ForEachAsync(chunk.Where(s => s.Lock is not null), s => s.Lock!.DisposeAsync().AsTask(), CancellationToken.None).ConfigureAwait(false);
        }

        /// <summary>Storage failed under a whole step: everything in it not yet decided fails with it, and so does every
        /// later group of the run.</summary>
        private void StorageFailed(List<JobState> jobs, Exception ex)
        {
            Stopped = true;
            _storageFailure ??= ex;
            foreach (var s in jobs) s.Fail(ex);
        }

        /// <summary>"Creating snapshot" for an app's volumes: its Longhorn claims, with the previous backup's record.</summary>
        private async Task PlanVolumesAsync(JobState s, BackupRecord? previous, CancellationToken ct)
        {
            s.Volumes = await volumes.PlanAsync(s.Job.AppInfo!, previous, s.Progress, ct).ConfigureAwait(false);
            var exports = s.Volumes.Exports;
            if (s.Job.ExportImages)
            {
                // The image is read back from Longhorn's store right after its backup: the disk's size again in bytes moved.
                var source = new LonghornImageSource(openStore);
                var target = ImageSettings.LonghornTarget(scope.Instance);
                exports = [.. exports.Select(e => e with
                {
                    EstimatedBytes = 2 * e.EstimatedBytes,
                    WriteImageAsync = async (record, stream, advanced, t) =>
                    {
                        s.Progress.Verbose($"Writing the image of claim {record.Pvc} from Longhorn backup {record.LonghornBackup}");
                        try
                        {
                            var made = await source.WriteAsync(record, target, ImageFormat.Qcow2, stream, advanced, t).ConfigureAwait(false);
                            return new BackupImageRecord { File = "", Format = "qcow2", VirtualSize = made.VolumeSize, LonghornBackup = record.LonghornBackup, ExportedAt = DateTimeOffset.UtcNow };
                        }
                        catch (WildBackupException ex) when (LonghornImageSource.IsSourceProblem(ex))
                        {
                            // The image is an extra copy: what Longhorn's store cannot give (unreadable, damaged) costs the
                            // image, not the backup, whose volume data is in Longhorn's backup all the same.
                            s.Progress.Warning($"No image of claim {record.Pvc} in this backup: {ex.Message}");
                            return null;
                        }
                    },
                })];
            }
            s.Contents = s.Contents! with { Volumes = exports };
        }

        /// <summary>The previous backup's record (for its volumes), read from the live path of a repaired slot; null when
        /// there is none or it cannot be read. Reading it after the repair (not before) means a backup never needs its own
        /// listing of the parent directory to find a previous backup left mid-swap by a crash.</summary>
        private async Task<BackupRecord?> PreviousRecordAsync(JobState s, CancellationToken ct)
        {
            try
            {
                return await BackupVerifier.ReadRecordAsync(Store, s.Job.Address.LivePath, ct).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                return null;
            }
            catch (CorruptBackupException)
            {
                s.Progress.Verbose("The previous backup's record cannot be read; its volumes are neither carried over nor pruned.");
                return null;
            }
        }

        private BackupRecord MakeRecord(JobState s, BackupBatch.Staged item) => new()
        {
            ToolVersion = ToolVersion,
            Kind = s.Job.Address.Kind,
            Instance = scope.Instance.Name,
            App = s.Job.App,
            CreatedAt = DateTimeOffset.UtcNow,
            DurationSeconds = Math.Round(item.Clock.Elapsed.TotalSeconds, 3),
            Files = item.Files,
            Absent = item.Contents.Absent,
            Directories = item.Contents.Directories,
            Host = Environment.MachineName,
            Volumes = item.Volumes,
            PendingDeletions = s.Volumes is { } plan ? AppVolumeBackups.PendingDeletions(plan, item.Volumes) : [],
        };

        private async Task Guard(JobState s, Func<Task> step)
        {
            try
            {
                await step().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsBackupFailure(ex))
            {
                Record(s, ex);
            }
        }

        private void Record(JobState s, Exception ex)
        {
            s.Fail(ex);
            // Storage that is unreachable or full fails every further backup; the cluster or Longhorn failing one app's volumes does not.
            if (ex is WildBackupException { Kind: WildErrorKind.Unreachable or WildErrorKind.NoSpace } and not (Kubernetes.UnreachableClusterException or Longhorn.Product.LonghornException)) Stopped = true;
        }

        private static bool IsBackupFailure(Exception ex) => ex is WildBackupException or IOException or UnauthorizedAccessException;
    }

    /// <summary>
    /// The checks a backup would fail first, done up front so a caller (an API request) can refuse at once: the
    /// instance and apps exist, storage is reachable, and it has room for the estimated size.
    /// </summary>
    public Task PreflightBackupAsync(InstanceSelector selector, IReadOnlyList<string>? apps, bool cluster, CancellationToken ct) => Guarded(ct, async t => { await PreflightBackupCoreAsync(selector, apps, cluster, t).ConfigureAwait(false); return true; });

    private async Task PreflightBackupCoreAsync(InstanceSelector selector, IReadOnlyList<string>? apps, bool cluster, CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var targets = apps is null ? scope.Directory.ListApps(scope.Instance) : apps.Select(a => scope.Directory.GetApp(scope.Instance, a)).ToList();
        long need = _options.SpaceMarginBytes;
        foreach (var a in targets) need += Archives.TarGzWriter.MeasureDirectory(a.Path);
        if (cluster) need += Archives.TarGzWriter.MeasureDirectory(scope.Instance.ClusterServicesPath);
        await scope.Store.ProbeAsync(ct).ConfigureAwait(false);
        var space = await scope.Store.GetSpaceAsync(ct).ConfigureAwait(false);
        if (space.FreeBytes < need) throw new NoSpaceException(need, $"{space.FreeBytes} bytes free at {scope.Destination}");
    }

    /// <summary>
    /// What a person runs first when something is wrong: is the instance's backup storage reachable, writable (a probe
    /// file written, made durable, read back, deleted), how much space is free, how long a round trip takes. Never throws
    /// for a storage problem: the result says what failed, step by step (a hang becomes an "unreachable" problem).
    /// </summary>
    public async Task<DestinationCheckResult> CheckDestinationAsync(InstanceSelector selector, CancellationToken ct)
    {
        try
        {
            return await Guarded(ct, t => CheckDestinationCoreAsync(selector, t)).ConfigureAwait(false);
        }
        catch (StorageUnreachableException ex)
        {
            // A call that hung past its deadline: the check itself could not finish; report it as what it is.
            return new DestinationCheckResult
            {
                Location = DescribeDestination(selector),
                Problems = [new DestinationProblem(DestinationCheckStep.Reach, ex.Kind, ex.ErrorId, ex.Message, ex.Detail)],
            };
        }
    }

    private async Task<DestinationCheckResult> CheckDestinationCoreAsync(InstanceSelector selector, CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var result = await DestinationCheck.RunAsync(scope.Store, ct).ConfigureAwait(false);
        return result with { Location = scope.Destination };
    }

    // ----- reading backups -----

    /// <summary>The latest backup of every app and of the cluster found on the destination (of <paramref name="fromInstance"/> when given).</summary>
    public Task<IReadOnlyList<BackupInfo>> GetBackupsAsync(InstanceSelector selector, string? fromInstance, CancellationToken ct) => Guarded(ct, t => GetBackupsCoreAsync(selector, fromInstance, t));

    private async Task<IReadOnlyList<BackupInfo>> GetBackupsCoreAsync(InstanceSelector selector, string? fromInstance, CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var source = SourceInstance(scope, fromInstance);
        await scope.Store.ProbeAsync(ct).ConfigureAwait(false);
        var list = new List<BackupInfo>();
        foreach (var address in await ListSlotsAsync(scope.Store, source, ct).ConfigureAwait(false))
        {
            if (await ReadLatestAsync(scope, address, ct).ConfigureAwait(false) is { } info) list.Add(info);
        }
        return list;
    }

    /// <summary>The latest backup of one app, or null when it has none.</summary>
    public Task<BackupInfo?> GetAppBackupAsync(InstanceSelector selector, string app, string? fromInstance, CancellationToken ct) => Guarded(ct, t => GetAppBackupCoreAsync(selector, app, fromInstance, t));

    private async Task<BackupInfo?> GetAppBackupCoreAsync(InstanceSelector selector, string app, string? fromInstance, CancellationToken ct)
    {
        WildName.Validate(app, "app");
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        await scope.Store.ProbeAsync(ct).ConfigureAwait(false);
        return await ReadLatestAsync(scope, BackupLayout.App(SourceInstance(scope, fromInstance), app), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Re-verifies stored backups against their backup.json: the named apps, the cluster, or (both null/false) everything.
    /// Never throws for a damaged backup: the result says what is wrong, file by file.
    /// </summary>
    public Task<IReadOnlyList<BackupTestResult>> TestBackupsAsync(InstanceSelector selector, IReadOnlyList<string>? apps, bool cluster, string? fromInstance, IOperationObserver observer, CancellationToken ct) => Guarded(ct, t => TestBackupsCoreAsync(selector, apps, cluster, fromInstance, observer, t));

    private async Task<IReadOnlyList<BackupTestResult>> TestBackupsCoreAsync(InstanceSelector selector, IReadOnlyList<string>? apps, bool cluster, string? fromInstance, IOperationObserver observer, CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var source = SourceInstance(scope, fromInstance);
        await scope.Store.ProbeAsync(ct).ConfigureAwait(false);
        var addresses = new List<BackupSlotAddress>();
        if (apps is null && !cluster) addresses.AddRange(await ListSlotsAsync(scope.Store, source, ct).ConfigureAwait(false));
        foreach (var a in apps ?? []) addresses.Add(BackupLayout.App(source, a));
        if (cluster) addresses.Add(BackupLayout.Cluster(source));

        var results = new List<BackupTestResult>();
        foreach (var address in addresses)
        {
            var progress = new ProgressReporter(observer, address.Kind == BackupKind.Cluster ? "cluster" : "apps/" + address.Name, $"Testing backup of {address.Name}");
            progress.Milestone(Milestones.Restore.ValidatingBackup, scope.LocationOf(address.LivePath));
            var dir = await new BackupSlot(scope.Store, address).ResolveAsync(ct).ConfigureAwait(false);
            if (dir is null)
            {
                throw new NotFoundException("BackupNotFound", $"No backup of {Describe(address)} in instance '{source}' at {scope.Destination}.") { Target = address.Name };
            }
            long bytes = 0;
            var (record, problems) = await BackupVerifier.VerifyBackupAsync(scope.Store, dir, n => bytes += n, ct).ConfigureAwait(false);
            var pending = record is { PendingDeletions.Count: > 0 }
                ? await RetryPendingDeletionsAsync(scope.Instance, source, record, progress, ct).ConfigureAwait(false)
                : [];
            var warnings = record is null ? [] : RestorabilityWarnings(record);
            foreach (var w in warnings) progress.Warning(w);
            results.Add(new BackupTestResult
            {
                PendingDeletions = pending,
                Warnings = warnings,
                Kind = address.Kind,
                Instance = source,
                Name = address.Name,
                Location = scope.LocationOf(dir),
                FilesChecked = record?.Files.Count ?? 0,
                BytesChecked = bytes,
                CreatedAt = record?.CreatedAt,
                Problems = problems,
            });
            progress.Milestone(new Milestone(100, problems.Count == 0 ? "Backup verified" : "Backup damaged"), problems.Count == 0 ? null : $"{problems.Count} problems");
        }
        return results;
    }

    /// <summary>
    /// Test-WildBackup's part in "keep only the latest": the Longhorn backups a backup superseded whose deletion is not yet
    /// confirmed are deleted again on this instance's cluster (verified by a sync, <see cref="LonghornDeletions"/>); the
    /// ones still pending are returned ("&lt;backup&gt; of claim &lt;claim&gt;: &lt;why&gt;") and reported as warnings. Another
    /// instance's backups (or an unreachable cluster) are only reported.
    /// </summary>
    private async Task<IReadOnlyList<string>> RetryPendingDeletionsAsync(WildInstance instance, string source, BackupRecord record, ProgressReporter progress, CancellationToken ct)
    {
        static string Describe(PendingLonghornDeletion p, string? why) => $"{p.LonghornBackup} of claim {p.Pvc}: {why}";
        if (source != instance.Name)
            return record.PendingDeletions.Select(p => Describe(p, $"recorded by instance '{source}'; its own backups delete it")).ToList();
        IKubernetesCluster cluster;
        try
        {
            cluster = await OpenClusterAsync(instance, ct).ConfigureAwait(false);
        }
        catch (WildBackupException ex)
        {
            progress.Warning($"{record.PendingDeletions.Count} superseded Longhorn backups are still to be deleted, but the cluster cannot be reached: {ex.Message}");
            return record.PendingDeletions.Select(p => Describe(p, ex.Message)).ToList();
        }
        await using (cluster.ConfigureAwait(false))
        {
            var keepSnapshots = record.Volumes.Select(v => v.SnapshotName).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var live = record.Volumes.Select(v => v.LonghornBackup).ToHashSet(StringComparer.Ordinal);
            var results = await new LonghornDeletions(cluster, _options.VolumeDeletionTimeout, _options.ClusterPollInterval)
                .DeleteAsync(record.PendingDeletions.Where(p => !live.Contains(p.LonghornBackup)).ToList(), keepSnapshots, ct).ConfigureAwait(false);
            AppVolumeBackups.Report(results, progress, "the superseded");
            return results.Where(r => !r.Confirmed).Select(r => Describe(r.Item, r.Reason)).ToList();
        }
    }

    /// <summary>What an intact backup still lacks for a restore that works: a cluster backup without the Talos PKI
    /// cannot re-create or re-join the nodes.</summary>
    internal static IReadOnlyList<string> RestorabilityWarnings(BackupRecord record)
    {
        if (record.Kind != BackupKind.Cluster) return [];
        var hasTalos = record.Files.Any(f => f.Name == BackupLayout.ClusterFiles.TalosArchive);
        return hasTalos && !record.Absent.Contains(BackupLayout.ClusterFiles.TalosPki) ? []
            : [$"The cluster backup holds no Talos cluster PKI ({BackupLayout.ClusterFiles.TalosPki}): the cluster's nodes cannot be re-created or re-joined from it. " +
               "Put talos/generated/ back in the instance and back up the cluster again."];
    }

    // ----- restore -----

    /// <summary>Restores the cluster-level files from the latest cluster backup (of <paramref name="fromInstance"/> when migrating).</summary>
    public Task<RestoreResult> RestoreClusterAsync(InstanceSelector selector, string? fromInstance, IOperationObserver observer, CancellationToken ct) => Guarded(ct, t => RestoreClusterCoreAsync(selector, fromInstance, observer, t));

    private async Task<RestoreResult> RestoreClusterCoreAsync(InstanceSelector selector, string? fromInstance, IOperationObserver observer, CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var source = SourceInstance(scope, fromInstance);
        var address = BackupLayout.Cluster(source);
        var progress = new ProgressReporter(observer, "cluster", $"Restoring cluster configuration of {scope.Instance.Name}");
        await using var held = await LockForRestoreAsync(scope, address, "restore_cluster", "the cluster", ct).ConfigureAwait(false);
        var (dir, record) = await ValidatedBackupAsync(scope, address, source, progress, ct).ConfigureAwait(false);
        var result = await ConfigRestore.RestoreClusterAsync(scope.Store, dir, record, scope.Instance, progress, ct).ConfigureAwait(false);
        progress.Milestone(Milestones.Restore.Complete, $"{result.Items.Count} items");
        return result with { FromInstance = source, BackupLocation = scope.LocationOf(dir) };
    }

    /// <summary>Merges an app's backed-up configuration and secrets sections into config.yaml and secrets.yaml.
    /// (The blue-green restore of the app itself builds on this.)</summary>
    public Task<RestoreResult> RestoreAppConfigAsync(InstanceSelector selector, string app, string? fromInstance, IOperationObserver observer, CancellationToken ct) => Guarded(ct, t => RestoreAppConfigCoreAsync(selector, app, fromInstance, observer, t));

    private async Task<RestoreResult> RestoreAppConfigCoreAsync(InstanceSelector selector, string app, string? fromInstance, IOperationObserver observer, CancellationToken ct)
    {
        WildName.Validate(app, "app");
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var source = SourceInstance(scope, fromInstance);
        var address = BackupLayout.App(source, app);
        var progress = new ProgressReporter(observer, "apps/" + app, $"Restoring configuration of app {app}");
        await using var held = await LockForRestoreAsync(scope, address, "restore_app", $"app '{app}'", ct).ConfigureAwait(false);
        var (dir, record) = await ValidatedBackupAsync(scope, address, source, progress, ct).ConfigureAwait(false);
        var result = await ConfigRestore.RestoreAppConfigAsync(scope.Store, dir, record, scope.Instance, app, progress, ct).ConfigureAwait(false);
        progress.Milestone(Milestones.Restore.Complete, $"{result.Items.Count} items");
        return result with { FromInstance = source, BackupLocation = scope.LocationOf(dir) };
    }

    /// <summary>Extracts an app's backed-up directory (config.tar.gz) into <paramref name="targetDir"/>, which must not exist.</summary>
    public Task ExtractAppFilesAsync(InstanceSelector selector, string app, string? fromInstance, string targetDir, CancellationToken ct) => Guarded(ct, async t => { await ExtractAppFilesCoreAsync(selector, app, fromInstance, targetDir, t).ConfigureAwait(false); return true; });

    private async Task ExtractAppFilesCoreAsync(InstanceSelector selector, string app, string? fromInstance, string targetDir, CancellationToken ct)
    {
        WildName.Validate(app, "app");
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var source = SourceInstance(scope, fromInstance);
        var dir = await new BackupSlot(scope.Store, BackupLayout.App(source, app)).ResolveAsync(ct).ConfigureAwait(false)
            ?? throw new NotFoundException("BackupNotFound", $"No backup of app '{app}' in instance '{source}' at {scope.Destination}.") { Target = app };
        await ConfigRestore.ExtractArchiveAsync(scope.Store, StorePath.Combine(dir, BackupLayout.AppFiles.ConfigArchive), targetDir, ct).ConfigureAwait(false);
    }

    private async Task<DestinationLock> LockForRestoreAsync(Scope scope, BackupSlotAddress address, string operation, string what, CancellationToken ct)
    {
        await scope.Store.ProbeAsync(ct).ConfigureAwait(false);
        await scope.Store.CreateDirectoryAsync(address.Parent, ct).ConfigureAwait(false);
        return await DestinationLock.AcquireAsync(scope.Store, address, operation, what, _options.LockStaleAfter, ct).ConfigureAwait(false);
    }

    /// <summary>"Validating backup": the backup exists and every file matches its record; otherwise nothing is restored.</summary>
    private static async Task<(string Dir, BackupRecord Record)> ValidatedBackupAsync(Scope scope, BackupSlotAddress address, string source, ProgressReporter progress, CancellationToken ct)
    {
        progress.Milestone(Milestones.Restore.ValidatingBackup, scope.LocationOf(address.LivePath));
        var dir = await new BackupSlot(scope.Store, address).ResolveAsync(ct).ConfigureAwait(false)
            ?? throw new NotFoundException("BackupNotFound", $"No backup of {Describe(address)} in instance '{source}' at {scope.Destination}.") { Target = address.Name };
        var (record, problems) = await BackupVerifier.VerifyBackupAsync(scope.Store, dir, null, ct).ConfigureAwait(false);
        if (record is null || problems.Count > 0)
        {
            throw new CorruptBackupException("BackupDamaged",
                $"The backup of {Describe(address)} at {scope.LocationOf(dir)} is damaged ({string.Join("; ", problems)}). Nothing was restored.")
            { Target = problems.FirstOrDefault()?.File };
        }
        return (dir, record);
    }

    // ----- plumbing -----

    private static string Describe(BackupSlotAddress a) => a.Kind == BackupKind.Cluster ? "the cluster" : $"app '{a.Name}'";

    private static string SourceInstance(Scope scope, string? fromInstance) =>
        string.IsNullOrEmpty(fromInstance) ? scope.Instance.Name : WildName.Validate(fromInstance, "instance");

    private static async Task<IReadOnlyList<BackupSlotAddress>> ListSlotsAsync(IBackupStore store, string instance, CancellationToken ct)
    {
        var slots = new List<BackupSlotAddress>();
        if (await new BackupSlot(store, BackupLayout.Cluster(instance)).ResolveAsync(ct).ConfigureAwait(false) is not null) slots.Add(BackupLayout.Cluster(instance));
        IReadOnlyList<StoreEntry> entries;
        try
        {
            entries = await store.ListAsync(BackupLayout.AppsDir(instance), ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return slots;
        }
        // An app's slot shows as its live directory, or (mid-swap after a crash) as .{app}.staging-*/.{app}.old-*.
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var e in entries.Where(e => e.IsDirectory))
        {
            var n = e.Name;
            if (n.StartsWith('.'))
            {
                var cut = n.IndexOf(".staging-", StringComparison.Ordinal) is var s and > 0 ? s : n.IndexOf(".old-", StringComparison.Ordinal);
                n = cut > 1 ? n[1..cut] : "";
            }
            if (WildName.IsValid(n)) names.Add(n);
        }
        foreach (var n in names) slots.Add(BackupLayout.App(instance, n));
        return slots;
    }

    private static async Task<BackupInfo?> ReadLatestAsync(Scope scope, BackupSlotAddress address, CancellationToken ct)
    {
        var dir = await new BackupSlot(scope.Store, address).ResolveAsync(ct).ConfigureAwait(false);
        if (dir is null) return null;
        var record = await BackupVerifier.ReadRecordAsync(scope.Store, dir, ct).ConfigureAwait(false);
        return BackupInfo.From(record, scope.LocationOf(dir));
    }

    private Task<Scope> OpenScopeAsync(InstanceSelector selector, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var directory = InstanceDirectory.Resolve(selector.DataDir);
        var instance = directory.ResolveInstance(selector.Instance);
        var destination = DestinationResolver.Resolve(selector.Destination, instance);
        return Task.FromResult(new Scope(directory, instance, OpenWatchedStore(destination), StoreFactory.Redact(destination)));
    }

    /// <summary>A store for <paramref name="destination"/>, outermost every call under a deadline, watched by the Guarded
    /// call running on this flow (the backup destination; Longhorn's store an image is read from; an image's target).</summary>
    private IBackupStore OpenWatchedStore(string destination)
    {
        var store = new TimeoutStore(_options.OpenStore(destination), _options.StorageCallTimeout);
        CurrentSlot.Value?.Watch(store);
        return store;
    }

    /// <summary>The stall watch of the engine call running on this flow (see <see cref="Guarded{T}"/>).</summary>
    private static readonly AsyncLocal<StallSlot?> CurrentSlot = new();

    /// <summary>
    /// Runs an engine call on the thread pool and returns its result, or fails with "unreachable" as soon as a storage
    /// call inside it outlives its deadline (a hung NFS mount blocks system calls for good; the call is abandoned).
    /// One hop per engine call, not one per I/O.
    /// </summary>
    /// <remarks>When the call is abandoned its token is cancelled, so if the stuck I/O ever returns, the work stops at its
    /// next step and cleans up (staging removed, lock released) instead of carrying on after failure was reported.</remarks>
    private static async Task<T> Guarded<T>(CancellationToken ct, Func<CancellationToken, Task<T>> work, StallSlot? slot = null, CancellationTokenSource? abandon = null)
    {
        slot ??= new StallSlot();
        abandon ??= CancellationTokenSource.CreateLinkedTokenSource(ct); // not disposed: the abandoned work may still hold its token
        var token = abandon.Token;
        var task = Task.Run(() =>
        {
            CurrentSlot.Value = slot;
            return work(token);
        }, CancellationToken.None);
        if (await Task.WhenAny(task, slot.Stalled).ConfigureAwait(false) != task)
        {
            abandon.Cancel();
            TimeoutStore.Observe(task);
            await slot.Stalled.ConfigureAwait(false);
        }
        return await task.ConfigureAwait(false);
    }

    private sealed class StallSlot
    {
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Stalled => _stalled.Task;
        public void Watch(TimeoutStore store) =>
            store.Stalled.ContinueWith(t => _stalled.TrySetException(t.Exception!.InnerExceptions), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private sealed record Scope(InstanceDirectory Directory, WildInstance Instance, IBackupStore Store, string Destination) : IAsyncDisposable
    {
        public string LocationOf(string storePath) => Destination.TrimEnd('/') + "/" + storePath;
        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }
}
