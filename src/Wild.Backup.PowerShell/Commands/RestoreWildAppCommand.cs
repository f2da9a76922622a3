using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Restores an app blue-green from its latest backup, volumes included, beside the live app.</summary>
/// <remarks>
/// <para>The backed-up app runs in a restore namespace ({app}-restore, or {app} when the app lives in {app}-restore after
/// an earlier switch) beside the live app, which keeps running and is not changed. Steps: the backup is verified (a
/// damaged one restores nothing); apps/{app}-restore/ is extracted and rendered; each volume is restored from its
/// Longhorn backup (progress by bytes) and bound to its claim; secrets are built; the manifests are applied and the
/// workloads waited on until ready. Only then are the backup's config and secrets sections merged back. Ingress hosts
/// answer as {host}-restore for checking.</para>
/// <para>Any failure, timeout or Ctrl-C removes what the restore made, so it can be run again at once. Then
/// Switch-WildRestore moves traffic to the restored copy and Complete-WildRestore removes the old one. -FromInstance
/// restores another instance's backup from the same storage (migration).</para>
/// </remarks>
/// <example title="Restore beside the live app">
/// <code>Restore-WildApp redis</code>
/// <para>redis-restore runs next to redis, from the latest backup; check it, then Switch-WildRestore redis.</para>
/// </example>
/// <example title="Allow more time for pods">
/// <code>Restore-WildApp -Name redis -TimeoutSeconds 600 | Format-List</code>
/// <para>Waits up to 10 minutes for the restored workloads to become ready, then shows every detail of the result.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Restores.AppRestoreResult: the restore namespace, the volumes restored, the health of the
/// workloads.</returns>
/// <seealso cref="SwitchWildRestoreCommand"/>
/// <seealso cref="CompleteWildRestoreCommand"/>
/// <seealso cref="GetWildRestoreCommand"/>
[Cmdlet(VerbsData.Restore, "WildApp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(AppRestoreResult))]
public sealed class RestoreWildAppCommand : StorageCmdlet
{
    /// <summary>The app to restore. Binds from the Name property of piped objects. Tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Restore the backup of this other instance on the same storage and Longhorn target (migration).
    /// Tab-completes.</summary>
    /// <value>The instance itself</value>
    [Parameter]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

    /// <summary>How to restore. blue-green, the only strategy: beside the live app, switched to later.</summary>
    /// <value>blue-green</value>
    [Parameter]
    [ValidateSet(AppRestoreOptions.BlueGreen)]
    public string Strategy { get; set; } = AppRestoreOptions.BlueGreen;

    /// <summary>How long the restored workloads may take to become ready, and a step may go without progress.</summary>
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
        if (!ShouldProcess($"app '{Name}' of instance '{instance}'",
            $"Restore the backup of '{source}' at {destination} beside the live app (blue-green), and merge its config and secrets sections once it is ready"))
        {
            return;
        }
        RunOperation(new RestoreAppRequest(instance, Name, FromInstance, Strategy) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<AppRestoreResult>(item)));
    }
}
