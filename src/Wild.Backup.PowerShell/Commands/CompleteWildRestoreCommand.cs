using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Restores;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Removes the old deployment after Switch-WildRestore, or discards a restored copy nobody switched to.</summary>
/// <remarks>
/// <para>The last step of a blue-green restore: deletes the old deployment's namespace, waiting until Kubernetes has
/// removed it (its claims, and with them its volumes, go too), then apps/{app}-old/. With -DiscardRestore it throws away
/// a restored copy that was never switched to instead (its namespace and apps/{app}-restore/). It never deletes the
/// namespace the live app runs in. Asks first (ConfirmImpact High).</para>
/// </remarks>
/// <example title="Finish a restore">
/// <code>Complete-WildRestore redis -Confirm:$false</code>
/// <para>After Switch-WildRestore redis: deletes the old redis deployment without asking.</para>
/// </example>
/// <example title="Throw a restored copy away">
/// <code>Complete-WildRestore redis -DiscardRestore -Confirm:$false</code>
/// <para>After Restore-WildApp redis, when the restored copy is not wanted: the live app stays as it is.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Restores.RestoreCleanupResult: the namespace and directory removed.</returns>
/// <seealso cref="RestoreWildAppCommand"/>
/// <seealso cref="SwitchWildRestoreCommand"/>
/// <seealso cref="GetWildRestoreCommand"/>
[Cmdlet(VerbsLifecycle.Complete, "WildRestore", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(RestoreCleanupResult))]
public sealed class CompleteWildRestoreCommand : InstanceCmdlet
{
    /// <summary>The app whose old deployment (or restored copy) to remove. Binds from the Name property of piped objects.
    /// Tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Throw away the restored copy (its namespace and apps/{app}-restore) instead of switching to it.</summary>
    [Parameter]
    public SwitchParameter DiscardRestore { get; set; }

    /// <summary>Fail a step (the namespace deletion) that makes no progress for this many seconds.</summary>
    /// <value>300</value>
    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var what = DiscardRestore ? $"Delete the restored copy's namespace and apps/{Name}-restore" : $"Delete the old deployment's namespace and apps/{Name}-old";
        if (!ShouldProcess($"app '{Name}' of instance '{instance}'", what)) return;
        RunOperation(new CleanupRestoreRequest(instance, Name, DiscardRestore) { StepTimeout = TimeoutFrom(TimeoutSeconds) },
            item => WriteObject(OperationResults.FromNode<RestoreCleanupResult>(item)));
    }
}
