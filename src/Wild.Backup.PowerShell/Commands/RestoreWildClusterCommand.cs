using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Restores the cluster-level files of an instance from its latest cluster backup.</summary>
/// <remarks>
/// <para>The backup is verified first; a damaged one restores nothing. Then kubeconfig and talosconfig are replaced
/// (the replaced file kept as *.bak), config.yaml and secrets.yaml get the backup's cluster sections while their apps
/// sections stay exactly as they are (comments and key order included), and setup/cluster-services is swapped in (the
/// previous tree kept as cluster-services.bak). Every file is replaced atomically. Asks first (ConfirmImpact High).</para>
/// <para>-FromInstance restores another instance's cluster backup from the same storage (migration).</para>
/// </remarks>
/// <example title="Restore this instance's cluster files">
/// <code>Restore-WildCluster -Confirm:$false</code>
/// <para>Restores from the latest cluster backup without asking and lists what it did to each file.</para>
/// </example>
/// <example title="Migrate from another instance">
/// <code>Restore-WildCluster -FromInstance demo-cloud -WhatIf</code>
/// <para>Says what restoring demo-cloud's cluster backup here would replace, and changes nothing.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Restores.RestoreResult: each item restored and what was done to it (Replaced, Created,
/// Merged).</returns>
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
            $"Restore kubeconfig, talosconfig, the cluster sections of config.yaml and secrets.yaml, and setup/cluster-services from the backup of '{source}' at {destination}"))
        {
            return;
        }
        RunOperation(new RestoreClusterRequest(instance, FromInstance) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<RestoreResult>(item)));
    }
}
