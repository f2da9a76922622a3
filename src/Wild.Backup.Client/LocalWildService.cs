using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Wild.Backup.Core;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;

namespace Wild.Backup.Client;

/// <summary>
/// The engine in this process. Operations run under an in-process <see cref="OperationManager"/> (one per data dir and
/// destination, shared by every cmdlet of the process), so they are recorded under the instance like the server's,
/// visible to Get-WildOperation, and stoppable from another process through the manager's cancel requests.
/// </summary>
public sealed class LocalWildService : IWildService
{
    private static readonly ConcurrentDictionary<string, Lazy<OperationCatalog>> Catalogs = new(StringComparer.Ordinal);

    private readonly InstanceSelector _selector;
    private readonly OperationCatalog _catalog;

    public LocalWildService(string? dataDir, string? destination)
    {
        var directory = InstanceDirectory.Resolve(dataDir);
        _selector = new InstanceSelector(directory.DataDir, null, destination);
        _catalog = Catalogs.GetOrAdd(directory.DataDir + "\n" + destination, _ => new Lazy<OperationCatalog>(() =>
            new OperationCatalog(new OperationManager(directory, new OperationEventHub()), new WildBackupEngine(), destination))).Value;
    }

    public string Where => "this machine";
    private WildBackupEngine Engine => _catalog.Engine;
    private OperationManager Manager => _catalog.Manager;
    private InstanceSelector For(string instance) => _selector with { Instance = instance };

    public Task<string> ResolveInstanceAsync(string? instance, CancellationToken ct) => Task.FromResult(Engine.GetInstance(_selector with { Instance = instance }).Name);
    public Task<string> DescribeDestinationAsync(string instance, CancellationToken ct) => Task.FromResult(Engine.DescribeDestination(For(instance)));
    public Task<IReadOnlyList<WildInstance>> GetInstancesAsync(CancellationToken ct) => Task.FromResult(Engine.GetInstances(_selector.DataDir));
    public Task<IReadOnlyList<WildApp>> GetAppsAsync(string instance, CancellationToken ct) => Task.FromResult(Engine.GetApps(For(instance)));
    public Task<IReadOnlyList<BackupInfo>> GetBackupsAsync(string instance, string? fromInstance, CancellationToken ct) => Engine.GetBackupsAsync(For(instance), fromInstance, ct);
    public Task<Core.Restores.AppRestoreStatus> GetRestoreStatusAsync(string instance, string app, CancellationToken ct) => _catalog.GetRestoreStatusAsync(instance, app, ct);

    public Task<Core.Storage.DestinationCheckResult> CheckDestinationAsync(string instance, CancellationToken ct) => Engine.CheckDestinationAsync(For(instance), ct);

    public async Task<OperationRecord> StartAsync(OperationRequest request, CancellationToken ct) => request switch
    {
        BackupAppsRequest { Apps: [var one] } r => await _catalog.BackupAppAsync(r.Instance, one, r.StepTimeout, ct, r.ExportImages).ConfigureAwait(false),
        BackupAppsRequest r => await _catalog.BackupAppsAsync(r.Instance, r.Apps, r.StepTimeout, ct, r.ExportImages).ConfigureAwait(false),
        ExportVolumeRequest r => _catalog.ExportVolume(r.Instance, r.Export, r.StepTimeout),
        BackupAllRequest r => await _catalog.BackupAllAsync(r.Instance, r.StepTimeout, ct).ConfigureAwait(false),
        BackupClusterRequest r => await _catalog.BackupClusterAsync(r.Instance, r.StepTimeout, ct).ConfigureAwait(false),
        RestoreClusterRequest r => _catalog.RestoreCluster(r.Instance, r.FromInstance, r.StepTimeout),
        TestBackupsRequest r => _catalog.TestBackups(r.Instance, r.Apps, r.Cluster, r.FromInstance, r.StepTimeout),
        RestoreAppRequest r => await _catalog.RestoreAppAsync(r.Instance, r.App, r.FromInstance, r.Strategy, r.StepTimeout, ct).ConfigureAwait(false),
        SwitchRestoreRequest r => await _catalog.SwitchRestoreAsync(r.Instance, r.App, r.StepTimeout, ct).ConfigureAwait(false),
        CleanupRestoreRequest r => await _catalog.CleanupRestoreAsync(r.Instance, r.App, r.DiscardRestore, r.StepTimeout, ct).ConfigureAwait(false),
        _ => throw new ArgumentException($"unknown request {request.GetType().Name}", nameof(request)),
    };

    public async IAsyncEnumerable<OperationUpdate> WatchAsync(string instance, string operationId, [EnumeratorCancellation] CancellationToken ct)
    {
        // Like the server's event stream: a state snapshot, what is kept of the operation (outputs, warnings), then live
        // events to the terminal one — synthesised when the operation had finished and its terminal event is gone.
        using var sub = Manager.Hub.Subscribe(e => e.Operation.Id == operationId, afterEventId: 0, capacity: 4096);
        // Everything since the operation began is still kept (the usual case): replay it all, progress included.
        var stateId = sub.Resumed ? 0 : Manager.Hub.LastEventId;
        var current = Manager.Get(instance, operationId);
        if (!sub.Resumed) yield return new OperationUpdate(0, "operation:state", current, null, null);
        while (true)
        {
            var (timedOut, e) = await sub.ReadAsync(current.IsTerminal ? TimeSpan.FromMilliseconds(20) : TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            if (timedOut)
            {
                var now = Manager.Get(instance, operationId);
                if (current.IsTerminal || now.IsTerminal && sub.Overflowed)
                {
                    yield return new OperationUpdate(stateId, HubEvent.TypeFor(now.Status), now, null, null);
                    yield break;
                }
                continue;
            }
            if (e is null)
            {
                // Cut off for falling behind: end with the operation's state as it is now, waiting for the end if need be.
                var final = await Manager.WaitAsync(instance, operationId, ct).ConfigureAwait(false);
                yield return new OperationUpdate(Manager.Hub.LastEventId, HubEvent.TypeFor(final.Status), final, null, null);
                yield break;
            }
            if (e.Id <= stateId && e.Type is "operation:progress" or "operation:created" && e.Detail?.Kind != Core.Progress.OperationEventKind.Warning) continue;
            var update = new OperationUpdate(e.Id, e.Type, e.Operation, e.Detail, e.Output);
            yield return update;
            if (update.IsTerminal) yield break;
        }
    }

    public Task<OperationRecord> GetOperationAsync(string instance, string operationId, CancellationToken ct) => Task.FromResult(Manager.Get(instance, operationId));
    public Task<IReadOnlyList<OperationRecord>> GetOperationsAsync(string instance, CancellationToken ct) => Task.FromResult(Manager.List(instance));

    public Task CancelAsync(string instance, string operationId, CancellationToken ct)
    {
        Manager.Cancel(instance, operationId);
        return Task.CompletedTask;
    }

    /// <summary>The shared managers live as long as the process (their operations may outlive one cmdlet).</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
