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

    public async Task<OperationRecord> StartAsync(OperationRequest request, CancellationToken ct) => request switch
    {
        BackupAppsRequest { Apps: [var one] } r => await _catalog.BackupAppAsync(r.Instance, one, r.StepTimeout, ct).ConfigureAwait(false),
        BackupAppsRequest r => await _catalog.BackupAppsAsync(r.Instance, r.Apps, r.StepTimeout, ct).ConfigureAwait(false),
        BackupAllRequest r => await _catalog.BackupAllAsync(r.Instance, r.StepTimeout, ct).ConfigureAwait(false),
        BackupClusterRequest r => await _catalog.BackupClusterAsync(r.Instance, r.StepTimeout, ct).ConfigureAwait(false),
        RestoreClusterRequest r => _catalog.RestoreCluster(r.Instance, r.FromInstance, r.StepTimeout),
        TestBackupsRequest r => _catalog.TestBackups(r.Instance, r.Apps, r.Cluster, r.FromInstance, r.StepTimeout),
        _ => throw new ArgumentException($"unknown request {request.GetType().Name}", nameof(request)),
    };

    public async IAsyncEnumerable<OperationUpdate> WatchAsync(string instance, string operationId, [EnumeratorCancellation] CancellationToken ct)
    {
        // Subscribe from the operation's beginning (what is kept of it), so outputs produced before we looked are included.
        using var sub = Manager.Hub.Subscribe(e => e.Operation.Id == operationId, afterEventId: 0, capacity: 4096);
        var current = Manager.Get(instance, operationId);
        if (current.IsTerminal && !sub.Resumed)
        {
            yield return new OperationUpdate(Manager.Hub.LastEventId, HubEvent.TypeFor(current.Status), current, null, null);
            yield break;
        }
        while (true)
        {
            var (timedOut, e) = await sub.ReadAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            if (timedOut)
            {
                current = Manager.Get(instance, operationId); // finished without us seeing it (e.g. cut off): end with its state
                if (current.IsTerminal)
                {
                    yield return new OperationUpdate(Manager.Hub.LastEventId, HubEvent.TypeFor(current.Status), current, null, null);
                    yield break;
                }
                continue;
            }
            if (e is null) yield break;
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
