using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Backs up the cluster level of an instance: kubeconfig, talosconfig, config.yaml and secrets.yaml without
/// their apps sections, and setup/cluster-services.</summary>
[Cmdlet(VerbsData.Backup, "WildCluster", SupportsShouldProcess = true)]
[OutputType(typeof(BackupInfo))]
public sealed class BackupWildClusterCommand : StorageCmdlet
{
    protected override void ProcessRecord()
    {
        var destination = Call(() => Engine.DescribeDestination(Selector), Destination);
        var instance = Call(() => Engine.GetInstance(Selector).Name, Instance);
        if (!ShouldProcess($"cluster configuration of instance '{instance}'", $"Back up to {destination}")) return;
        Run(async ct => PostObject(await Engine.BackupClusterAsync(Selector, Observer(), ct).ConfigureAwait(false)));
    }
}
