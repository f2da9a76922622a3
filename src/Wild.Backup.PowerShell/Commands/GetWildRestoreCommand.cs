using System.Management.Automation;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Shows where an app is in the blue-green restore cycle, and the health of its namespaces.</summary>
/// <remarks>
/// <para>State is None, RestoredAwaitingSwitch, SwitchedAwaitingCleanup or SwitchInterrupted (run Switch-WildRestore
/// again to finish it). Also: whether the live and restore namespaces exist, the health of the one that matters now
/// (its workloads' readiness), and the app's last restore operation. Needs the cluster to answer.</para>
/// </remarks>
/// <example title="After a restore">
/// <code>Get-WildRestore redis</code>
/// <para>Shows redis's state, e.g. RestoredAwaitingSwitch with the health of redis-restore.</para>
/// </example>
/// <example title="Every app's state">
/// <code>Get-WildApp | Get-WildRestore | Format-Table App, State, LiveNamespace</code>
/// <para>App names bind from the pipeline.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Restores.AppRestoreStatus.</returns>
/// <seealso cref="RestoreWildAppCommand"/>
/// <seealso cref="SwitchWildRestoreCommand"/>
/// <seealso cref="CompleteWildRestoreCommand"/>
[Cmdlet(VerbsCommon.Get, "WildRestore")]
[OutputType(typeof(AppRestoreStatus))]
public sealed class GetWildRestoreCommand : InstanceCmdlet
{
    /// <summary>The app. Binds from the Name property of piped objects. Tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        WriteObject(Call(ct => Service.GetRestoreStatusAsync(instance, Name, ct), Name));
    }
}
