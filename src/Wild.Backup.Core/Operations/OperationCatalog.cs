using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;

namespace Wild.Backup.Core.Operations;

/// <summary>
/// Every user-facing action as a watched operation: which engine call it makes, its type and target, how its progress
/// is read, and what its result and outputs are. The HTTP API and the cmdlets both start operations through here, so a
/// backup looks the same whichever front end asked for it.
/// </summary>
public sealed partial class OperationCatalog(OperationManager manager, WildBackupEngine engine, string? destination = null)
{
    public OperationManager Manager => manager;
    public WildBackupEngine Engine => engine;

    private InstanceSelector Selector(string instance) => new(manager.Directory.DataDir, instance, destination);

    /// <summary><c>backup_app</c>: one app. Result: its BackupInfo.</summary>
    public async Task<OperationRecord> BackupAppAsync(string instance, string app, TimeSpan? stepTimeout = null, CancellationToken ct = default, bool exportImages = false)
    {
        await engine.PreflightBackupAsync(Selector(instance), [app], false, ct).ConfigureAwait(false);
        return manager.Start(instance, "backup_app", app, "apps/" + app, async ctx =>
        {
            var info = await engine.BackupAppAsync(Selector(instance), app, ctx.Observer, ctx.Cancellation, exportImages).ConfigureAwait(false);
            ctx.Output(OperationResults.ToNode(info)!);
            return OperationResults.ToNode(info);
        }, stepTimeout);
    }

    /// <summary><c>backup_apps</c>: several apps (all when <paramref name="apps"/> is null), one failing not stopping the others.
    /// Result: <c>{"backups": [...], "failures": [...]}</c>; each item is also an output as it completes.</summary>
    public async Task<OperationRecord> BackupAppsAsync(string instance, IReadOnlyList<string>? apps, TimeSpan? stepTimeout = null, CancellationToken ct = default, bool exportImages = false)
    {
        foreach (var a in apps ?? []) WildName.Validate(a, "app");
        await PreflightStorageAsync(instance, ct).ConfigureAwait(false);
        var target = apps is { Count: 1 } ? apps[0] : "apps";
        return manager.Start(instance, "backup_apps", target, apps is { Count: 1 } ? "apps/" + apps[0] : "instance", async ctx =>
        {
            var (backups, failures) = await CollectAsync(engine.BackupAppsAsync(Selector(instance), apps, ctx.Observer, ctx.Cancellation, exportImages), ctx).ConfigureAwait(false);
            return Finish(backups, failures, "apps");
        }, stepTimeout);
    }

    /// <summary><c>backup_all</c> (the design's <c>POST /instances/{instance}/backup</c>): every app, then the cluster.</summary>
    public async Task<OperationRecord> BackupAllAsync(string instance, TimeSpan? stepTimeout = null, CancellationToken ct = default)
    {
        await engine.PreflightBackupAsync(Selector(instance), null, true, ct).ConfigureAwait(false);
        var appCount = manager.Directory.ListApps(manager.Directory.GetInstance(instance)).Count;
        var total = appCount + 1;
        var done = 0;
        // Overall progress: each finished app or the cluster is one step; the running one adds its own share.
        (int, string)? Progress(Progress.OperationEvent e)
        {
            if (e.Target == "instance") return null;
            var share = e.Completed ? 0 : e.Percent / 100.0;
            return ((int)((done + share) / total * 100), $"{e.Activity}: {e.Milestone}");
        }
        return manager.Start(instance, "backup_all", "all", "instance", async ctx =>
        {
            var observer = new CountingObserver(ctx.Observer, () => done++);
            var (backups, failures) = await CollectAsync(engine.BackupAppsAsync(Selector(instance), null, observer, ctx.Cancellation), ctx).ConfigureAwait(false);
            try
            {
                var cluster = await engine.BackupClusterAsync(Selector(instance), observer, ctx.Cancellation).ConfigureAwait(false);
                backups.Add(OperationResults.ToNode(cluster)!);
                ctx.Output(OperationResults.ToNode(cluster)!);
            }
            catch (Exception ex) when (ex is WildBackupException or IOException or UnauthorizedAccessException)
            {
                var f = OperationResults.FailureNode(OperationResults.Failure.From(BackupLayout.ClusterSlot, ex));
                failures.Add(f);
                ctx.Output(f.DeepClone());
            }
            return Finish(backups, failures, "apps and the cluster");
        }, stepTimeout, Progress);
    }

    /// <summary><c>backup_cluster</c>. Result: its BackupInfo.</summary>
    public async Task<OperationRecord> BackupClusterAsync(string instance, TimeSpan? stepTimeout = null, CancellationToken ct = default)
    {
        await engine.PreflightBackupAsync(Selector(instance), [], true, ct).ConfigureAwait(false);
        return manager.Start(instance, "backup_cluster", BackupLayout.ClusterSlot, "cluster", async ctx =>
        {
            var info = await engine.BackupClusterAsync(Selector(instance), ctx.Observer, ctx.Cancellation).ConfigureAwait(false);
            ctx.Output(OperationResults.ToNode(info)!);
            return OperationResults.ToNode(info);
        }, stepTimeout);
    }

    /// <summary><c>restore_cluster</c>. Result: the RestoreResult.</summary>
    public OperationRecord RestoreCluster(string instance, string? fromInstance, TimeSpan? stepTimeout = null)
    {
        if (fromInstance is not null) WildName.Validate(fromInstance, "instance");
        return manager.Start(instance, "restore_cluster", BackupLayout.ClusterSlot, "cluster", async ctx =>
        {
            var result = await engine.RestoreClusterAsync(Selector(instance), fromInstance, ctx.Observer, ctx.Cancellation).ConfigureAwait(false);
            ctx.Output(OperationResults.ToNode(result)!);
            return OperationResults.ToNode(result);
        }, stepTimeout);
    }

    /// <summary><c>test_backups</c>: re-verify stored backups. Result: the test results; damaged ones make it fail.</summary>
    public OperationRecord TestBackups(string instance, IReadOnlyList<string>? apps, bool cluster, string? fromInstance, TimeSpan? stepTimeout = null)
    {
        foreach (var a in apps ?? []) WildName.Validate(a, "app");
        var target = cluster ? "test:cluster" : apps is { Count: 1 } ? "test:" + apps[0] : "test:backups";
        return manager.Start(instance, "test_backups", target, "none", async ctx =>
        {
            var results = await engine.TestBackupsAsync(Selector(instance), apps, cluster, fromInstance, ctx.Observer, ctx.Cancellation).ConfigureAwait(false);
            var list = new JsonArray();
            foreach (var r in results)
            {
                ctx.Output(OperationResults.ToNode(r)!);
                list.Add(OperationResults.ToNode(r));
            }
            var damaged = results.Where(r => !r.Passed).ToList();
            if (damaged.Count > 0)
            {
                throw new PartialFailureException($"{damaged.Count} of {results.Count} backups are damaged: {string.Join(", ", damaged.Select(d => d.Name))}.",
                    new JsonObject { ["results"] = list }, WildErrorKind.Corrupt);
            }
            return new JsonObject { ["results"] = list };
        }, stepTimeout, e => (e.Percent, $"{e.Activity}: {e.Milestone}"));
    }

    /// <summary><c>export_volume</c>: disk images of an app's volumes from its latest backup, straight from Longhorn's
    /// block store (the app's target: excludes its backups and restores). Result: <c>{"images": [...]}</c>, each also an output.</summary>
    public OperationRecord ExportVolume(string instance, VolumeExportRequest request, TimeSpan? stepTimeout = null)
    {
        WildName.Validate(request.App, "app");
        if (request.FromInstance is not null) WildName.Validate(request.FromInstance, "instance");
        return manager.Start(instance, "export_volume", request.App, "apps/" + request.App, async ctx =>
        {
            var images = await engine.ExportVolumeAsync(Selector(instance), request, ctx.Observer, ctx.Cancellation).ConfigureAwait(false);
            var list = new JsonArray();
            foreach (var image in images)
            {
                ctx.Output(OperationResults.ToNode(image)!);
                list.Add(OperationResults.ToNode(image));
            }
            return new JsonObject { ["images"] = list };
        }, stepTimeout);
    }

    /// <summary>For multi-app runs whose apps may partly not exist (those are per-app failures): storage only.</summary>
    private async Task PreflightStorageAsync(string instance, CancellationToken ct) =>
        await engine.PreflightBackupAsync(Selector(instance), [], false, ct).ConfigureAwait(false);

    private static async Task<(JsonArray Backups, JsonArray Failures)> CollectAsync(IAsyncEnumerable<BackupOutcome> outcomes, OperationContext ctx)
    {
        var backups = new JsonArray();
        var failures = new JsonArray();
        await foreach (var o in outcomes.ConfigureAwait(false))
        {
            var node = o.Error is { } error ? OperationResults.FailureNode(OperationResults.Failure.From(o.Name, error)) : OperationResults.ToNode(o.Backup)!;
            ctx.Output(node.DeepClone());
            (o.Error is null ? backups : failures).Add(node);
        }
        return (backups, failures);
    }

    private static JsonNode Finish(JsonArray backups, JsonArray failures, string what)
    {
        var result = new JsonObject { ["backups"] = backups, ["failures"] = failures };
        if (failures.Count == 0) return result;
        var first = OperationResults.FromNode<OperationResults.Failure>(failures[0]!["failure"])!;
        var names = string.Join(", ", failures.Select(f => f!["failure"]!["name"]!.GetValue<string>()));
        throw new PartialFailureException($"{backups.Count} of {backups.Count + failures.Count} {what} backed up; failed: {names} ({first.Message})", result, first.Kind);
    }

    /// <summary>Counts targets as they complete, for overall progress of multi-target operations.</summary>
    private sealed class CountingObserver(Progress.IOperationObserver inner, Action completed) : Progress.IOperationObserver
    {
        public void OnEvent(Progress.OperationEvent e)
        {
            if (e.Completed && e.Target != "instance") completed();
            inner.OnEvent(e);
        }
    }
}
