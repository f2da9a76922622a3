using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Switches an app's traffic and directory to its restored copy.</summary>
/// <remarks>
/// <para>The restored copy must be healthy. apps/{app} becomes apps/{app}-old, apps/{app}-restore becomes apps/{app},
/// the restored copy's ingresses are re-applied with the original hosts and the old namespace's ingresses removed. The
/// old deployment keeps running until Complete-WildRestore. A journal makes it recoverable: an interrupted switch is
/// completed by running it again. Asks first (ConfirmImpact High).</para>
/// </remarks>
/// <example title="Switch after checking the restored copy">
/// <code>Switch-WildRestore redis -Confirm:$false</code>
/// <para>redis's traffic and apps/redis now belong to the restored copy; the old one is apps/redis-old.</para>
/// </example>
/// <example title="Only when the restored copy is healthy">
/// <code>if ((Get-WildRestore redis).State -eq 'RestoredAwaitingSwitch') { Switch-WildRestore -Name redis -Confirm:$false }</code>
/// <para>Switches only when a restored copy is waiting.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Restores.RestoreSwitchResult: the namespaces and directories after the switch.</returns>
/// <seealso cref="RestoreWildAppCommand"/>
/// <seealso cref="CompleteWildRestoreCommand"/>
[Cmdlet(VerbsCommon.Switch, "WildRestore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreSwitchResult))]
public sealed class SwitchWildRestoreCommand : InstanceCmdlet
{
    /// <summary>The app to switch. Binds from the Name property of piped objects. Tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Fail a step that makes no progress for this many seconds.</summary>
    /// <value>300</value>
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
