using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.Client;

/// <summary>What a front end asks for: a watched operation.</summary>
public abstract record OperationRequest(string Instance)
{
    public TimeSpan? StepTimeout { get; init; }
}

public sealed record BackupAppsRequest(string Instance, IReadOnlyList<string>? Apps) : OperationRequest(Instance)
{
    /// <summary>Also write <c>volumes/{pvc}.qcow2</c> of each volume into the backup.</summary>
    public bool ExportImages { get; init; }
}
public sealed record BackupAllRequest(string Instance) : OperationRequest(Instance);
public sealed record BackupClusterRequest(string Instance) : OperationRequest(Instance);
public sealed record RestoreClusterRequest(string Instance, string? FromInstance) : OperationRequest(Instance);
public sealed record TestBackupsRequest(string Instance, IReadOnlyList<string>? Apps, bool Cluster, string? FromInstance) : OperationRequest(Instance);
public sealed record RestoreAppRequest(string Instance, string App, string? FromInstance, string? Strategy = null) : OperationRequest(Instance);
public sealed record SwitchRestoreRequest(string Instance, string App) : OperationRequest(Instance);
public sealed record CleanupRestoreRequest(string Instance, string App, bool DiscardRestore) : OperationRequest(Instance);
public sealed record ExportVolumeRequest(string Instance, Core.VolumeExportRequest Export) : OperationRequest(Instance);

/// <summary>One thing that happened to a watched operation: its new state, and the engine event (<see cref="Detail"/>) or
/// result item (<see cref="Output"/>) behind it.</summary>
public sealed record OperationUpdate(long Id, string Type, OperationRecord Operation, OperationEvent? Detail, JsonNode? Output)
{
    public bool IsTerminal => Operation.IsTerminal && Type is not ("operation:progress" or "operation:output" or "operation:state");
}

/// <summary>
/// The engine as every front end sees it, whether it runs in this process (<see cref="LocalWildService"/>) or behind a
/// server (<see cref="RemoteWildService"/>). Work is started as an operation and watched as a stream of updates, so a
/// cmdlet renders a remote run exactly as a local one.
/// </summary>
public interface IWildService : IAsyncDisposable
{
    /// <summary>Where the work happens, for messages: "this machine" or the server's URL.</summary>
    string Where { get; }

    /// <summary>The instance a name (or the default) refers to.</summary>
    Task<string> ResolveInstanceAsync(string? instance, CancellationToken ct);

    /// <summary>Where the instance's backups go, for -WhatIf and messages.</summary>
    Task<string> DescribeDestinationAsync(string instance, CancellationToken ct);

    Task<IReadOnlyList<WildInstance>> GetInstancesAsync(CancellationToken ct);
    Task<IReadOnlyList<WildApp>> GetAppsAsync(string instance, CancellationToken ct);
    Task<IReadOnlyList<BackupInfo>> GetBackupsAsync(string instance, string? fromInstance, CancellationToken ct);

    /// <summary>An app's blue-green restore state, its namespaces' health and its last restore operation.</summary>
    Task<Core.Restores.AppRestoreStatus> GetRestoreStatusAsync(string instance, string app, CancellationToken ct);
    /// <summary>Reachable, writable, free space, round trip of the instance's backup storage (never throws for its problems).</summary>
    Task<Core.Storage.DestinationCheckResult> CheckDestinationAsync(string instance, CancellationToken ct);

    /// <summary>Starts an operation; the record it returns is pending.</summary>
    Task<OperationRecord> StartAsync(OperationRequest request, CancellationToken ct);

    /// <summary>The operation's updates from its current state to its terminal event (the stream then ends).</summary>
    IAsyncEnumerable<OperationUpdate> WatchAsync(string instance, string operationId, CancellationToken ct);

    Task<OperationRecord> GetOperationAsync(string instance, string operationId, CancellationToken ct);
    Task<IReadOnlyList<OperationRecord>> GetOperationsAsync(string instance, CancellationToken ct);
    Task CancelAsync(string instance, string operationId, CancellationToken ct);
}
