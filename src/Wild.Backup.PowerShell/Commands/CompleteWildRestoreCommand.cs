using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Removes the old deployment after <c>Switch-WildRestore</c>: deletes its namespace (waiting until Kubernetes has
/// removed it) and <c>apps/{app}-old/</c>. With <c>-DiscardRestore</c>, throws away a restored copy that was never
/// switched to instead. Never touches the namespace the live app runs in.
/// </summary>
[Cmdlet(VerbsLifecycle.Complete, "WildRestore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreCleanupResult))]
public sealed class CompleteWildRestoreCommand : InstanceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Throw away the restored copy (its namespace and apps/{app}-restore) instead of switching to it.</summary>
    [Parameter]
    public SwitchParameter DiscardRestore { get; set; }

    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var what = DiscardRestore ? $"Delete the restored copy's namespace and apps/{Name}-restore" : $"Delete the old deployment's namespace and apps/{Name}-old";
        if (!ShouldProcess($"app '{Name}' of instance '{instance}'", what)) return;
        RunOperation(new CleanupRestoreRequest(instance, Name, DiscardRestore) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<RestoreCleanupResult>(item)));
    }
}
