using System.Management.Automation;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Lists the backup and restore operations of the last 24 hours, newest first, or the ones named.</summary>
/// <remarks>
/// <para>Every backup, test and restore runs as an operation, recorded under {instance}/operations/{id}.json in the Wild
/// Cloud daemon's shape: id, type, target, status, message, progress, result, error, start and end times. Operations
/// left running by a process that died are shown as failed ("interrupted by restart"); finished ones older than 24 hours
/// are purged. An unknown id is a non-terminating OperationNotFound error.</para>
/// <para>The Wild Cloud daemon's own operations (op_… ids) in the same directory are listed too, read-only, with Origin
/// daemon: they are never changed or purged by this tool and cannot be stopped from here.</para>
/// </remarks>
/// <example title="Recent operations">
/// <code>Get-WildOperation</code>
/// <para>Every operation of the last day: who ran it, type, target, status, progress.</para>
/// </example>
/// <example title="Failed operations and why">
/// <code>Get-WildOperation | Where-Object Status -EQ 'Failed' | Format-List Type, Target, Error</code>
/// <para>The error of each failed operation, with its code.</para>
/// </example>
/// <returns>Wild.Backup.Core.Operations.OperationRecord objects.</returns>
/// <seealso cref="WaitWildOperationCommand"/>
/// <seealso cref="StopWildOperationCommand"/>
[Cmdlet(VerbsCommon.Get, "WildOperation")]
[OutputType(typeof(OperationRecord))]
public sealed class GetWildOperationCommand : InstanceCmdlet
{
    /// <summary>Operation ids. Binds from the Id property of piped objects.</summary>
    /// <value>Every operation of the last 24 hours</value>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        if (Id is null)
        {
            foreach (var op in Call(ct => Service.GetOperationsAsync(instance, ct), instance)) WriteObject(op);
            return;
        }
        foreach (var id in Id)
        {
            try
            {
                WriteObject(Service.GetOperationAsync(instance, id, CancellationToken.None).GetAwaiter().GetResult());
            }
            catch (Exception ex) when (ErrorRecords.IsEngineError(ex))
            {
                WriteError(ErrorRecords.From(ex, id));
            }
        }
    }
}

/// <summary>Waits for operations to finish, showing their progress; returns each final record.</summary>
/// <remarks>
/// <para>Shows each operation's progress as the cmdlet that started it would, then returns its final record. A failed
/// operation is also a non-terminating error with the operation's ErrorId. Stopping the wait (Ctrl-C, -TimeoutSeconds:
/// WaitTimedOut) leaves the operation running; Stop-WildOperation stops it.</para>
/// <para>Useful for work started elsewhere: by the API server, another session or the Wild Cloud web app.</para>
/// </remarks>
/// <example title="Wait for the newest operation">
/// <code>Get-WildOperation | Select-Object -First 1 | Wait-WildOperation</code>
/// <para>Returns at once when it has already finished.</para>
/// </example>
/// <example title="Wait at most a minute">
/// <code>Get-WildOperation | Where-Object Type -EQ 'backup_app' | Wait-WildOperation -TimeoutSeconds 60</code>
/// <para>Ids bind from the pipeline; after 60 s the wait stops with a WaitTimedOut error and the operation goes on.</para>
/// </example>
/// <returns>The final Wild.Backup.Core.Operations.OperationRecord of each operation.</returns>
/// <seealso cref="GetWildOperationCommand"/>
/// <seealso cref="StopWildOperationCommand"/>
[Cmdlet(VerbsLifecycle.Wait, "WildOperation")]
[OutputType(typeof(OperationRecord))]
public sealed class WaitWildOperationCommand : InstanceCmdlet
{
    /// <summary>The operations to wait for. Binds from the pipeline, by value or from the Id property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Stop waiting (the operation goes on) after this many seconds.</summary>
    /// <value>Wait until it ends</value>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        foreach (var id in Id)
        {
            Run(async ct =>
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                if (TimeoutSeconds is { } s) limit.CancelAfter(TimeSpan.FromSeconds(s));
                OperationRecord final;
                try
                {
                    final = await WaitAsync(instance, id, limit.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new Core.Errors.WildTimeoutException("WaitTimedOut", $"Operation {id} did not finish within {TimeoutSeconds} s; it is still running.") { Target = id };
                }
                catch (Core.Errors.WildBackupException ex)
                {
                    var failed = await Service.GetOperationAsync(instance, id, ct).ConfigureAwait(false);
                    Post(() => WriteObject(failed));
                    Post(() => WriteError(ErrorRecords.From(ex, id)));
                    return;
                }
                Post(() => WriteObject(final));
            });
        }
    }

    /// <summary>Like the watch of the cmdlet that started it, except that stopping the wait leaves the operation running.</summary>
    private async Task<OperationRecord> WaitAsync(string instance, string id, CancellationToken ct)
    {
        OperationRecord? last = null;
        var renderer = new ProgressRenderer();
        try
        {
            await foreach (var u in Service.WatchAsync(instance, id, ct).ConfigureAwait(false))
            {
                last = u.Operation;
                if (u.Detail is { Kind: Core.Progress.OperationEventKind.Progress } d) Render(renderer, d);
                if (u.IsTerminal) break;
            }
        }
        finally
        {
            PostProgress(renderer.Finish());
        }
        var final = last ?? await Service.GetOperationAsync(instance, id, ct).ConfigureAwait(false);
        if (final.Status == OperationStatus.Failed && final.Error is { } e)
            throw new Core.Errors.WildBackupException(e.Kind ?? Core.Errors.WildErrorKind.Unreachable, e.Code, e.Message) { Target = id };
        return final;
    }
}

/// <summary>Stops running operations; each cleans up and the previous backup is kept.</summary>
/// <remarks>
/// <para>Cancels the operation wherever it runs (this process, or the server with -Server): its staging directory is
/// removed and the previous backup stays intact; a restore removes what it made. Stopping a finished operation is an
/// OperationFinished error. Ctrl-C on the cmdlet that started an operation does the same.</para>
/// </remarks>
/// <example title="Stop whatever is running">
/// <code>Get-WildOperation | Where-Object Status -EQ 'Running' | Stop-WildOperation -Confirm:$false</code>
/// <para>Ids bind from the pipeline.</para>
/// </example>
/// <example title="See what would be stopped">
/// <code>Get-WildOperation | Select-Object -First 1 | Stop-WildOperation -WhatIf</code>
/// <para>Names the operation and stops nothing.</para>
/// </example>
/// <returns>With -PassThru, the Wild.Backup.Core.Operations.OperationRecord of each operation stopped.</returns>
/// <seealso cref="GetWildOperationCommand"/>
/// <seealso cref="WaitWildOperationCommand"/>
[Cmdlet(VerbsLifecycle.Stop, "WildOperation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OperationRecord))]
public sealed class StopWildOperationCommand : InstanceCmdlet
{
    /// <summary>The operations to stop. Binds from the pipeline, by value or from the Id property.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Return each stopped operation's record.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        foreach (var id in Id)
        {
            if (!ShouldProcess($"operation {id} of instance '{instance}'", "Stop")) continue;
            try
            {
                Service.CancelAsync(instance, id, CancellationToken.None).GetAwaiter().GetResult();
                if (PassThru) WriteObject(Service.GetOperationAsync(instance, id, CancellationToken.None).GetAwaiter().GetResult());
            }
            catch (Exception ex) when (ErrorRecords.IsEngineError(ex))
            {
                WriteError(ErrorRecords.From(ex, id));
            }
        }
    }
}
