using System.Management.Automation;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Shows where an app is in the blue-green cycle (none, restored and awaiting the switch, switched and awaiting
/// cleanup), its namespaces, the health of the one that matters now, and its last restore operation.</summary>
[Cmdlet(VerbsCommon.Get, "WildRestore")]
[OutputType(typeof(AppRestoreStatus))]
public sealed class GetWildRestoreCommand : InstanceCmdlet
{
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
