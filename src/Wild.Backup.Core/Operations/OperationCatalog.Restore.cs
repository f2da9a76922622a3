using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Restores;

namespace Wild.Backup.Core.Operations;

/// <summary>The blue-green app restore as operations: <c>restore_app</c>, <c>restore_switch</c>, <c>restore_cleanup</c>, all on
/// the app's target (so they exclude each other and the app's backups), and the restore status.</summary>
public sealed partial class OperationCatalog
{
    public static readonly IReadOnlySet<string> RestoreOperationTypes = new HashSet<string> { "restore_app", "restore_switch", "restore_cleanup" };

    /// <summary><c>restore_app</c>: blue-green restore of one app. Result: its AppRestoreResult. <paramref name="stepTimeout"/>
    /// also bounds the wait for the restored workloads.</summary>
    public async Task<OperationRecord> RestoreAppAsync(string instance, string app, string? fromInstance, string? strategy, TimeSpan? stepTimeout = null, CancellationToken ct = default)
    {
        WildName.Validate(app, "app");
        if (fromInstance is not null) WildName.Validate(fromInstance, "instance");
        var options = new AppRestoreOptions { FromInstance = fromInstance, Strategy = strategy ?? AppRestoreOptions.BlueGreen };
        if (options.Strategy != AppRestoreOptions.BlueGreen)
            throw new InvalidInputException("UnknownStrategy", $"Restore strategy '{WildName.Show(options.Strategy)}' is not supported; use '{AppRestoreOptions.BlueGreen}'.");
        if (stepTimeout is { } t) options = options with { Timeout = t };
        await engine.PreflightRestoreAsync(Selector(instance), app, "restore_app", fromInstance, false, ct).ConfigureAwait(false);
        return manager.Start(instance, "restore_app", app, "apps/" + app, async ctx =>
        {
            var result = await engine.RestoreAppAsync(Selector(instance), app, options, ctx.Observer, ctx.Cancellation).ConfigureAwait(false);
            ctx.Output(OperationResults.ToNode(result)!);
            return OperationResults.ToNode(result);
        }, stepTimeout);
    }

    /// <summary><c>restore_switch</c>. Result: its RestoreSwitchResult.</summary>
    public async Task<OperationRecord> SwitchRestoreAsync(string instance, string app, TimeSpan? stepTimeout = null, CancellationToken ct = default)
    {
        WildName.Validate(app, "app");
        await engine.PreflightRestoreAsync(Selector(instance), app, "restore_switch", null, false, ct).ConfigureAwait(false);
        var options = stepTimeout is { } t ? new RestoreStepOptions { Timeout = t } : new RestoreStepOptions();
        return manager.Start(instance, "restore_switch", app, "apps/" + app, async ctx =>
        {
            var result = await engine.SwitchRestoreAsync(Selector(instance), app, options, ctx.Observer, ctx.Cancellation).ConfigureAwait(false);
            ctx.Output(OperationResults.ToNode(result)!);
            return OperationResults.ToNode(result);
        }, stepTimeout);
    }

    /// <summary><c>restore_cleanup</c>. Result: its RestoreCleanupResult.</summary>
    public async Task<OperationRecord> CleanupRestoreAsync(string instance, string app, bool discardRestore, TimeSpan? stepTimeout = null, CancellationToken ct = default)
    {
        WildName.Validate(app, "app");
        await engine.PreflightRestoreAsync(Selector(instance), app, "restore_cleanup", null, discardRestore, ct).ConfigureAwait(false);
        var options = new RestoreStepOptions { DiscardRestore = discardRestore };
        if (stepTimeout is { } t) options = options with { Timeout = t };
        return manager.Start(instance, "restore_cleanup", app, "apps/" + app, async ctx =>
        {
            var result = await engine.CleanupRestoreAsync(Selector(instance), app, options, ctx.Observer, ctx.Cancellation).ConfigureAwait(false);
            ctx.Output(OperationResults.ToNode(result)!);
            return OperationResults.ToNode(result);
        }, stepTimeout);
    }

    /// <summary>The app's restore status with its latest restore operation (running or finished in the last 24 h).</summary>
    public async Task<AppRestoreStatus> GetRestoreStatusAsync(string instance, string app, CancellationToken ct)
    {
        var status = await engine.GetRestoreStatusAsync(Selector(instance), app, ct).ConfigureAwait(false);
        var last = manager.List(instance).FirstOrDefault(o => o.Target == app && RestoreOperationTypes.Contains(o.Type));
        return status with { LastOperation = last };
    }
}
