using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Restores the cluster-level files of an instance from its latest cluster backup.</summary>
/// <remarks>
/// <para>The backup is verified first; a damaged one restores nothing. Then kubeconfig is replaced (the replaced file
/// kept as kubeconfig.bak); talos/generated (talosconfig, the Talos PKI, the machine configs), setup/cluster-services and
/// setup/cluster-nodes are swapped in (the previous trees kept as *.bak; the Talos and node files come back 0600);
/// config.yaml and secrets.yaml get the backup's cluster sections while their apps sections stay exactly as they are
/// (comments and key order included). Every file is replaced atomically. A backup without the Talos PKI is restored
/// with a warning. Asks first (ConfirmImpact High).</para>
/// <para>-FromInstance restores another instance's cluster backup from the same storage (migration, or a new central
/// after a loss: see "Rebuild a lost cluster" in the README).</para>
/// </remarks>
/// <example title="Restore this instance's cluster files">
/// <code>Restore-WildCluster -Confirm:$false</code>
/// <para>Restores from the latest cluster backup without asking and lists what it did to each item.</para>
/// </example>
/// <example title="Migrate from another instance">
/// <code>Restore-WildCluster -FromInstance demo-cloud -WhatIf</code>
/// <para>Says what restoring demo-cloud's cluster backup here would replace, and changes nothing.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Restores.RestoreResult: each item restored and what was done to it (Replaced, Created,
/// Merged, Unchanged, AbsentInBackup).</returns>
/// <seealso cref="BackupWildClusterCommand"/>
[Cmdlet(VerbsData.Restore, "WildCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreResult))]
public sealed class RestoreWildClusterCommand : StorageCmdlet
{
    /// <summary>Restore the cluster backup of this other instance on the same storage (migration). Tab-completes.</summary>
    /// <value>The instance itself</value>
    [Parameter]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

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
        var source = FromInstance ?? instance;
        if (!ShouldProcess($"instance '{instance}'",
            $"Restore kubeconfig, talos/generated, the cluster sections of config.yaml and secrets.yaml, setup/cluster-services and setup/cluster-nodes from the backup of '{source}' at {destination}"))
        {
            return;
        }
        RunOperation(new RestoreClusterRequest(instance, FromInstance) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<RestoreResult>(item)));
    }
}
