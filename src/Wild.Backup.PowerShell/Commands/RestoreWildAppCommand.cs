using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Restores an app blue-green from its latest backup (or another instance's, to migrate): the backed-up app runs in a
/// restore namespace (<c>{app}-restore</c>, or <c>{app}</c> when the app lives in <c>{app}-restore</c> after an earlier
/// switch) beside the live app, which keeps running; its volumes come back from their Longhorn backups, its ingress hosts
/// answer as <c>{host}-restore</c> for verification, and <c>apps/{app}-restore/</c> holds its directory. Then
/// <c>Switch-WildRestore</c> moves traffic to it and <c>Complete-WildRestore</c> removes the old deployment.
/// </summary>
[Cmdlet(VerbsData.Restore, "WildApp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AppRestoreResult))]
public sealed class RestoreWildAppCommand : StorageCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Restore the backup of this instance instead (migration).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

    /// <summary>The design's only strategy.</summary>
    [Parameter]
    [ValidateSet(AppRestoreOptions.BlueGreen)]
    public string Strategy { get; set; } = AppRestoreOptions.BlueGreen;

    /// <summary>How long the restored workloads may take to become ready, and a step may go without progress (default 300).</summary>
    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var destination = Call(ct => Service.DescribeDestinationAsync(instance, ct), Destination);
        var source = FromInstance ?? instance;
        if (!ShouldProcess($"app '{Name}' of instance '{instance}'",
            $"Restore the backup of '{source}' at {destination} beside the live app (blue-green), and merge its config and secrets sections once it is ready"))
        {
            return;
        }
        RunOperation(new RestoreAppRequest(instance, Name, FromInstance, Strategy) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<AppRestoreResult>(item)));
    }
}
