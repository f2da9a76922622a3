using System.Management.Automation;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Lists the operations of the last 24 hours (newest first), or the ones named.</summary>
[Cmdlet(VerbsCommon.Get, "WildOperation")]
[OutputType(typeof(OperationRecord))]
public sealed class GetWildOperationCommand : InstanceCmdlet
{
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

/// <summary>Waits for operations to finish, showing their progress as the cmdlet that started them would; emits each
/// final record. A failed operation is also a non-terminating error.</summary>
[Cmdlet(VerbsLifecycle.Wait, "WildOperation")]
[OutputType(typeof(OperationRecord))]
public sealed class WaitWildOperationCommand : InstanceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Stop waiting (the operation goes on) after this many seconds.</summary>
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
        var renderer = new ProgressRecordBuilder();
        await foreach (var u in Service.WatchAsync(instance, id, ct).ConfigureAwait(false))
        {
            last = u.Operation;
            if (u.Detail is { Kind: Core.Progress.OperationEventKind.Progress } d)
            {
                var record = renderer.Build(d);
                Post(() => WriteProgress(record));
            }
            if (u.IsTerminal) break;
        }
        var final = last ?? await Service.GetOperationAsync(instance, id, ct).ConfigureAwait(false);
        if (final.Status == OperationStatus.Failed && final.Error is { } e)
            throw new Core.Errors.WildBackupException(e.Kind ?? Core.Errors.WildErrorKind.Unreachable, e.Code, e.Message) { Target = id };
        return final;
    }
}

/// <summary>Stops running operations: the work is cancelled and cleans up (staging removed, the previous backup kept).</summary>
[Cmdlet(VerbsLifecycle.Stop, "WildOperation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(OperationRecord))]
public sealed class StopWildOperationCommand : InstanceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

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
