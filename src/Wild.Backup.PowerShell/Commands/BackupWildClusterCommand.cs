using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Backs up the cluster level of an instance: kubeconfig, talosconfig, config.yaml and secrets.yaml without
/// their apps sections, and setup/cluster-services.</summary>
[Cmdlet(VerbsData.Backup, "WildCluster", SupportsShouldProcess = true)]
[OutputType(typeof(BackupInfo))]
public sealed class BackupWildClusterCommand : StorageCmdlet
{
    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var destination = Call(ct => Service.DescribeDestinationAsync(instance, ct), Destination);
        if (!ShouldProcess($"cluster configuration of instance '{instance}'", $"Back up to {destination}")) return;
        RunOperation(new BackupClusterRequest(instance) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<BackupInfo>(item)));
    }
}
