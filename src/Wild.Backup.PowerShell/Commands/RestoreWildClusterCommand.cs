using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Restores the cluster-level files of an instance from its latest cluster backup (or another instance's, to migrate):
/// kubeconfig and talosconfig (previous kept as *.bak), the non-app sections of config.yaml and secrets.yaml (every
/// app section kept), and setup/cluster-services. The backup is verified first; a damaged one restores nothing.
/// </summary>
[Cmdlet(VerbsData.Restore, "WildCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreWildClusterCommand : StorageCmdlet
{
    /// <summary>Restore the backup of this instance instead (migration).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var destination = Call(ct => Service.DescribeDestinationAsync(instance, ct), Destination);
        var source = FromInstance ?? instance;
        if (!ShouldProcess($"instance '{instance}'",
            $"Restore kubeconfig, talosconfig, the cluster sections of config.yaml and secrets.yaml, and setup/cluster-services from the backup of '{source}' at {destination}"))
        {
            return;
        }
        RunOperation(new RestoreClusterRequest(instance, FromInstance) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<RestoreResult>(item)));
    }
}
