using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core;

/// <summary>The blue-green app restore on Kubernetes: restore, switch, cleanup, status (see <see cref="BlueGreenRestore"/>,
/// <see cref="BlueGreenSwitch"/>, <see cref="BlueGreenCleanup"/>, <see cref="BlueGreenLayout"/>).</summary>
public sealed partial class WildBackupEngine
{
    /// <summary>Restores an app blue-green from its latest backup (of <see cref="AppRestoreOptions.FromInstance"/> when
    /// migrating) into a restore namespace beside the live app, and waits until it is ready.</summary>
    public Task<AppRestoreResult> RestoreAppAsync(InstanceSelector selector, string app, AppRestoreOptions options, IOperationObserver observer, CancellationToken ct) =>
        Guarded(ct, t => RestoreAppCoreAsync(selector, app, options, observer, t));

    private async Task<AppRestoreResult> RestoreAppCoreAsync(InstanceSelector selector, string app, AppRestoreOptions options, IOperationObserver observer, CancellationToken ct)
    {
        WildName.Validate(app, "app");
        if (options.Strategy != AppRestoreOptions.BlueGreen)
            throw new InvalidInputException("UnknownStrategy", $"Restore strategy '{WildName.Show(options.Strategy)}' is not supported; use '{AppRestoreOptions.BlueGreen}'.");
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var source = SourceInstance(scope, options.FromInstance);
        var layout = new BlueGreenLayout(scope.Instance, app);
        var progress = new ProgressReporter(observer, "apps/" + app, $"Restoring app {app}");
        await using var appLock = await LockAppAsync(scope.Instance, app, "restore_app", ct).ConfigureAwait(false);
        layout.RequireCanRestore();
        await using var held = await LockForRestoreAsync(scope, BackupLayout.App(source, app), "restore_app", $"app '{app}'", ct).ConfigureAwait(false);
        var (dir, record) = await ValidatedBackupAsync(scope, BackupLayout.App(source, app), source, progress, ct).ConfigureAwait(false);

        await using var cluster = await OpenClusterAsync(scope.Instance, ct).ConfigureAwait(false);
        var live = layout.LiveNamespace;
        var ns = layout.RestoreNamespaceFor(live);
        if (await BlueGreenHealth.NamespaceExistsAsync(cluster, ns, ct).ConfigureAwait(false))
        {
            throw new ConflictException("RestoreNamespaceExists",
                $"Namespace {ns} already exists on the cluster (left by an earlier restore?). Delete it, then restore again; the live app in {live} is untouched.") { Target = app };
        }
        var restore = new BlueGreenRestore(cluster, scope.Store, dir, record, layout, source, options, progress, _options.ClusterPollInterval, _options.VolumeDeletionTimeout);
        return await restore.RunAsync(live, ns, scope.LocationOf(dir), ct).ConfigureAwait(false);
    }

    /// <summary>Switches an app to its restored copy: directories swapped, ingress hosts moved to the restored namespace.</summary>
    public Task<RestoreSwitchResult> SwitchRestoreAsync(InstanceSelector selector, string app, RestoreStepOptions options, IOperationObserver observer, CancellationToken ct) =>
        Guarded(ct, async t =>
        {
            WildName.Validate(app, "app");
            var instance = GetInstance(selector);
            var progress = new ProgressReporter(observer, "apps/" + app, $"Switching app {app} to its restored copy");
            await using var appLock = await LockAppAsync(instance, app, "restore_switch", t).ConfigureAwait(false);
            var layout = new BlueGreenLayout(instance, app);
            layout.RequireKnown();
            await using var cluster = await OpenClusterAsync(instance, t).ConfigureAwait(false);
            return await new BlueGreenSwitch(cluster, layout, progress).RunAsync(t).ConfigureAwait(false);
        });

    /// <summary>Removes the old deployment after a switch (or, with <see cref="RestoreStepOptions.DiscardRestore"/>, an
    /// unswitched restored copy).</summary>
    public Task<RestoreCleanupResult> CleanupRestoreAsync(InstanceSelector selector, string app, RestoreStepOptions options, IOperationObserver observer, CancellationToken ct) =>
        Guarded(ct, async t =>
        {
            WildName.Validate(app, "app");
            var instance = GetInstance(selector);
            var progress = new ProgressReporter(observer, "apps/" + app, $"Removing the old deployment of app {app}");
            await using var appLock = await LockAppAsync(instance, app, "restore_cleanup", t).ConfigureAwait(false);
            var layout = new BlueGreenLayout(instance, app);
            layout.RequireKnown();
            await using var cluster = await OpenClusterAsync(instance, t).ConfigureAwait(false);
            return await new BlueGreenCleanup(cluster, layout, options, progress, _options.ClusterPollInterval).RunAsync(t).ConfigureAwait(false);
        });

    /// <summary>Where an app is in the blue-green cycle, its namespaces and their health. Cluster problems are reported in
    /// the result, not thrown.</summary>
    public Task<AppRestoreStatus> GetRestoreStatusAsync(InstanceSelector selector, string app, CancellationToken ct) =>
        Guarded(ct, async t =>
        {
            WildName.Validate(app, "app");
            var instance = GetInstance(selector);
            var layout = new BlueGreenLayout(instance, app);
            layout.RequireKnown();
            var state = layout.State;
            var journal = state == RestoreState.SwitchInterrupted ? layout.ReadJournal() : null;
            var liveNs = Directory.Exists(layout.LiveDir) ? layout.LiveNamespace : null;
            var restoreNs = Directory.Exists(layout.RestoreDir) ? layout.NamespaceOf(layout.RestoreDir) : journal?.RestoreNamespace;
            var oldNs = Directory.Exists(layout.OldDir) ? layout.NamespaceOf(layout.OldDir) : journal?.OldNamespace;
            var checkedNs = state == RestoreState.RestoredAwaitingSwitch ? restoreNs : liveNs ?? restoreNs;
            var status = new AppRestoreStatus
            {
                Instance = instance.Name,
                App = app,
                State = state,
                LiveNamespace = liveNs,
                RestoreNamespace = restoreNs,
                OldNamespace = oldNs,
                LiveDirectory = Directory.Exists(layout.LiveDir),
                RestoreDirectory = Directory.Exists(layout.RestoreDir),
                OldDirectory = Directory.Exists(layout.OldDir),
                CheckedNamespace = checkedNs,
            };
            try
            {
                await using var cluster = await OpenClusterAsync(instance, t).ConfigureAwait(false);
                var namespaces = new Dictionary<string, bool>(StringComparer.Ordinal);
                foreach (var ns in new[] { liveNs, restoreNs, oldNs }.OfType<string>().Distinct())
                    namespaces[ns] = await BlueGreenHealth.NamespaceExistsAsync(cluster, ns, t).ConfigureAwait(false);
                var health = checkedNs is null ? null : await BlueGreenHealth.CheckAsync(cluster, checkedNs, t).ConfigureAwait(false);
                return status with { Namespaces = namespaces, Health = health ?? [], Healthy = health is null ? false : health.All(h => h.Ready) };
            }
            catch (WildBackupException ex) when (ex.Kind is WildErrorKind.Unreachable or WildErrorKind.NotFound or WildErrorKind.Invalid or WildErrorKind.Timeout)
            {
                return status with { ClusterProblem = ex.Message };
            }
        });

    /// <summary>The checks a restore step would fail first, done up front so a caller (an API request) can refuse at once:
    /// the app's blue-green state allows the step and, for a restore, the backup exists. Cheap: no cluster access.</summary>
    public Task PreflightRestoreAsync(InstanceSelector selector, string app, string step, string? fromInstance, bool discardRestore, CancellationToken ct) =>
        Guarded(ct, async t =>
        {
            WildName.Validate(app, "app");
            var instance = GetInstance(selector);
            var layout = new BlueGreenLayout(instance, app);
            switch (step)
            {
                case "restore_app":
                    layout.RequireCanRestore();
                    await using (var scope = await OpenScopeAsync(selector, t).ConfigureAwait(false))
                    {
                        var source = SourceInstance(scope, fromInstance);
                        await scope.Store.ProbeAsync(t).ConfigureAwait(false);
                        if (await new BackupSlot(scope.Store, BackupLayout.App(source, app)).ResolveAsync(t).ConfigureAwait(false) is null)
                            throw new NotFoundException("BackupNotFound", $"No backup of app '{app}' in instance '{source}' at {scope.Destination}.") { Target = app };
                    }
                    break;
                case "restore_switch":
                    if (layout.State != RestoreState.SwitchInterrupted) layout.RequireCanSwitch();
                    break;
                case "restore_cleanup":
                    layout.RequireCanCleanUp(discardRestore);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(step), step, "not a restore step");
            }
            return true;
        });

    /// <summary>The instance's cluster, checked to answer: a clear Unreachable error when it does not.</summary>
    private async Task<IKubernetesCluster> OpenClusterAsync(WildInstance instance, CancellationToken ct)
    {
        var cluster = OpenClusterOf(instance);
        try
        {
            await cluster.ProbeAsync(ct).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The instance's cluster (not yet checked): <see cref="EngineOptions.OpenCluster"/>, else its kubeconfig.</summary>
    private IKubernetesCluster OpenClusterOf(WildInstance instance) =>
        _options.OpenCluster?.Invoke(instance)
        ?? KubernetesRestCluster.FromKubeconfig(instance.KubeconfigPath, new ClusterOptions { CallTimeout = _options.ClusterCallTimeout });

    /// <summary>Restore, switch and cleanup of one app exclude each other, across processes too (<c>apps/.{app}.lock</c>).</summary>
    private async Task<DestinationLock> LockAppAsync(WildInstance instance, string app, string operation, CancellationToken ct)
    {
        Directory.CreateDirectory(instance.AppsPath);
        var local = new LocalDirectoryStore(instance.Path);
        try
        {
            return await DestinationLock.AcquireAsync(local, new BackupSlotAddress("apps", app, BackupKind.App), operation, $"the blue-green state of app '{app}'", _options.LockStaleAfter, ct).ConfigureAwait(false);
        }
        catch
        {
            await local.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
