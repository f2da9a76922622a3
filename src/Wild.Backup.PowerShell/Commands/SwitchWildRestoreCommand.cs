using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Switches an app to its restored copy: <c>apps/{app}</c> becomes <c>apps/{app}-old</c>, <c>apps/{app}-restore</c> becomes
/// <c>apps/{app}</c>, and the ingress hosts move to the restored namespace. The old deployment keeps running until
/// <c>Complete-WildRestore</c>. The restored copy must be healthy. An interrupted switch is completed by running it again.
/// </summary>
[Cmdlet(VerbsCommon.Switch, "WildRestore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreSwitchResult))]
public sealed class SwitchWildRestoreCommand : InstanceCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        if (!ShouldProcess($"app '{Name}' of instance '{instance}'", "Switch live traffic and apps/" + Name + " to the restored copy (the current deployment becomes apps/" + Name + "-old)"))
            return;
        RunOperation(new SwitchRestoreRequest(instance, Name) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<RestoreSwitchResult>(item)));
    }
}
