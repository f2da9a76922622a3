using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Backs up the cluster level of an instance, what rebuilding the cluster needs: kubeconfig, talos/generated
/// (the Talos PKI), the nodes' machine configs, config and secrets without apps, cluster services.</summary>
/// <remarks>
/// <para>Writes to {destination}/{instance}/backups/cluster/, verified and latest only, like an app backup: kubeconfig;
/// talosconfig (from talos/generated/) and talos.tar.gz (talos/generated/: talosconfig, the Talos cluster PKI
/// secrets.yaml, controlplane.yaml, worker.yaml); config.yaml and secrets.yaml without their apps sections
/// (cluster-config.yaml, cluster-secrets.yaml); setup/cluster-services with each service's kustomize.template/ and
/// compiled kustomize/ (setup.tar.gz); setup/cluster-nodes, each node's patches and final machine config
/// (cluster-nodes.tar.gz). Secret-bearing files are written with mode 0600 and never shown. An instance without the
/// Talos PKI is backed up with a warning: the nodes cannot be re-created or re-joined from such a backup.</para>
/// <para>Restore it with Restore-WildCluster, here or on another instance (-FromInstance).</para>
/// </remarks>
/// <example title="Back up the cluster configuration">
/// <code>Backup-WildCluster</code>
/// <para>Backs up the only instance's cluster files to its configured destination.</para>
/// </example>
/// <example title="List what went into it">
/// <code>(Backup-WildCluster).Files | Format-Table Name, Size</code>
/// <para>Shows the files recorded in the new backup.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Backups.BackupInfo for the cluster backup (Kind Cluster, Name cluster).</returns>
/// <seealso cref="RestoreWildClusterCommand"/>
/// <seealso cref="GetWildBackupCommand"/>
[Cmdlet(VerbsData.Backup, "WildCluster", SupportsShouldProcess = true)]
[OutputType(typeof(BackupInfo))]
public sealed class BackupWildClusterCommand : StorageCmdlet
{
    /// <summary>Fail a step that makes no progress for this many seconds.</summary>
    /// <value>300</value>
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
