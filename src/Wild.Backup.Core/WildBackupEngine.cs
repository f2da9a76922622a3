using System.Reflection;
using System.Runtime.CompilerServices;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
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
    /// <summary>Extra free space demanded beyond a backup's estimated size.</summary>
    public long SpaceMarginBytes { get; init; } = 1 << 20;
}

/// <summary>
/// The engine: every user-facing action, independent of PowerShell and HTTP. Each method takes what to act on,
/// reports progress through an <see cref="IOperationObserver"/>, honours its CancellationToken, and throws only
/// <see cref="WildBackupException"/>s (or OperationCanceledException).
/// </summary>
public sealed class WildBackupEngine(EngineOptions? options = null)
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
    public async Task<BackupInfo> BackupAppAsync(InstanceSelector selector, string app, IOperationObserver observer, CancellationToken ct)
    {
        WildName.Validate(app, "app");
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var wildApp = scope.Directory.GetApp(scope.Instance, app);
        return await BackupAppCoreAsync(scope, wildApp, observer, parent: null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Backs up several apps (all of them when <paramref name="apps"/> is null), one after another, yielding each
    /// outcome as it finishes. One app failing does not stop the others; storage that cannot be reached or is full
    /// stops the run (every further app would fail the same way) after reporting the app it happened on.
    /// </summary>
    public async IAsyncEnumerable<BackupOutcome> BackupAppsAsync(InstanceSelector selector, IReadOnlyList<string>? apps, IOperationObserver observer, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var targets = apps is null
            ? scope.Directory.ListApps(scope.Instance).Select(a => a.Name).ToList()
            : apps.Distinct(StringComparer.Ordinal).ToList();
        // Several apps: an overall bar with each app's bar under it. One app: just its own.
        var overall = targets.Count > 1 ? new ProgressReporter(observer, "instance", $"Backing up {targets.Count} apps of {scope.Instance.Name}") : null;
        var parent = overall is null ? null : "instance";
        var range = new Milestone(0, "Backing up apps", 100);
        for (var i = 0; i < targets.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            overall?.Bytes(range, i, targets.Count, $"{targets[i]} ({i + 1} of {targets.Count})");
            BackupOutcome outcome;
            try
            {
                var app = scope.Directory.GetApp(scope.Instance, targets[i]);
                outcome = new BackupOutcome(targets[i], await BackupAppCoreAsync(scope, app, observer, parent, ct).ConfigureAwait(false), null);
            }
            catch (Exception ex) when (ex is WildBackupException or IOException or UnauthorizedAccessException)
            {
                outcome = new BackupOutcome(WildName.Show(targets[i]), null, ex);
            }
            yield return outcome;
            if (outcome.Error is WildBackupException { Kind: WildErrorKind.Unreachable or WildErrorKind.NoSpace }) yield break;
        }
        overall?.Milestone(new Milestone(100, "Backing up apps"), $"{targets.Count} apps");
    }

    /// <summary>Backs up the cluster-level files: kubeconfig, talosconfig, config and secrets without apps, cluster services.</summary>
    public async Task<BackupInfo> BackupClusterAsync(InstanceSelector selector, IOperationObserver observer, CancellationToken ct)
    {
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var progress = new ProgressReporter(observer, "cluster", $"Backing up cluster of {scope.Instance.Name}");
        progress.Milestone(Milestones.Backup.CreatingSnapshot, "reading cluster configuration");
        var contents = BackupSources.ForCluster(scope.Instance, progress.Warning);
        return await WriteBackupAsync(scope, BackupLayout.Cluster(scope.Instance.Name), contents, app: null, "backup_cluster", "the cluster", progress, ct).ConfigureAwait(false);
    }

    private async Task<BackupInfo> BackupAppCoreAsync(Scope scope, WildApp app, IOperationObserver observer, string? parent, CancellationToken ct)
    {
        var progress = new ProgressReporter(observer, "apps/" + app.Name, $"Backing up app {app.Name}", parent);
        progress.Milestone(Milestones.Backup.CreatingSnapshot, "reading app configuration");
        var contents = BackupSources.ForApp(scope.Instance, app, progress.Warning);
        return await WriteBackupAsync(scope, BackupLayout.App(scope.Instance.Name, app.Name), contents, app.Name, "backup_app", $"app '{app.Name}'", progress, ct).ConfigureAwait(false);
    }

    private async Task<BackupInfo> WriteBackupAsync(Scope scope, BackupSlotAddress address, BackupContents contents, string? app, string operation, string what, ProgressReporter progress, CancellationToken ct)
    {
        var store = scope.Store;
        progress.Milestone(Milestones.Backup.ConnectingToStorage, scope.Destination);
        await store.ProbeAsync(ct).ConfigureAwait(false);
        var need = contents.EstimatedBytes + _options.SpaceMarginBytes;
        var space = await store.GetSpaceAsync(ct).ConfigureAwait(false);
        if (space.FreeBytes < need) throw new NoSpaceException(need, $"{space.FreeBytes} bytes free at {scope.Destination}");
        await store.CreateDirectoryAsync(address.Parent, ct).ConfigureAwait(false);
        await using var held = await DestinationLock.AcquireAsync(store, address, operation, what, _options.LockStaleAfter, ct).ConfigureAwait(false);
        var slot = new BackupSlot(store, address);
        await slot.RepairAsync(ct).ConfigureAwait(false);

        var record = await StagedBackupWriter.WriteAsync(store, slot, contents, (files, elapsed) => new BackupRecord
        {
            ToolVersion = ToolVersion,
            Kind = address.Kind,
            Instance = scope.Instance.Name,
            App = app,
            CreatedAt = DateTimeOffset.UtcNow,
            DurationSeconds = Math.Round(elapsed.TotalSeconds, 3),
            Files = files,
            Absent = contents.Absent,
            Directories = contents.Directories,
            Host = Environment.MachineName,
        }, progress, ct).ConfigureAwait(false);
        var info = BackupInfo.From(record, scope.LocationOf(address.LivePath));
        progress.Milestone(Milestones.Backup.Complete, $"{info.Files.Count} files, {info.Size} bytes");
        return info;
    }

    // ----- reading backups -----

    /// <summary>The latest backup of every app and of the cluster found on the destination (of <paramref name="fromInstance"/> when given).</summary>
    public async Task<IReadOnlyList<BackupInfo>> GetBackupsAsync(InstanceSelector selector, string? fromInstance, CancellationToken ct)
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
    public async Task<BackupInfo?> GetAppBackupAsync(InstanceSelector selector, string app, string? fromInstance, CancellationToken ct)
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
    public async Task<IReadOnlyList<BackupTestResult>> TestBackupsAsync(InstanceSelector selector, IReadOnlyList<string>? apps, bool cluster, string? fromInstance, IOperationObserver observer, CancellationToken ct)
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
            results.Add(new BackupTestResult
            {
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

    // ----- restore -----

    /// <summary>Restores the cluster-level files from the latest cluster backup (of <paramref name="fromInstance"/> when migrating).</summary>
    public async Task<RestoreResult> RestoreClusterAsync(InstanceSelector selector, string? fromInstance, IOperationObserver observer, CancellationToken ct)
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
    public async Task<RestoreResult> RestoreAppConfigAsync(InstanceSelector selector, string app, string? fromInstance, IOperationObserver observer, CancellationToken ct)
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
    public async Task ExtractAppFilesAsync(InstanceSelector selector, string app, string? fromInstance, string targetDir, CancellationToken ct)
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
        var store = _options.OpenStore(destination);
        return Task.FromResult(new Scope(directory, instance, store, StoreFactory.Redact(destination)));
    }

    private sealed record Scope(InstanceDirectory Directory, WildInstance Instance, IBackupStore Store, string Destination) : IAsyncDisposable
    {
        public string LocationOf(string storePath) => Destination.TrimEnd('/') + "/" + storePath;
        public ValueTask DisposeAsync() => Store.DisposeAsync();
    }
}
