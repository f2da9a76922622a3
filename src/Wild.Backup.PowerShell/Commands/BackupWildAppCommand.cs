using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Backs up apps to the destination: manifest, the app's directory, its config and secrets sections — latest only,
/// verified, and atomic (the previous backup stays intact until the new one is verified). Emits one BackupInfo per app.
/// </summary>
[Cmdlet(VerbsData.Backup, "WildApp", SupportsShouldProcess = true, DefaultParameterSetName = ByName)]
[OutputType(typeof(BackupInfo))]
public sealed class BackupWildAppCommand : StorageCmdlet
{
    private const string ByName = "ByName", All_ = "All";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByName)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Every app of the instance; one app failing does not stop the others.</summary>
    [Parameter(Mandatory = true, ParameterSetName = All_)]
    public SwitchParameter All { get; set; }

    protected override void ProcessRecord()
    {
        var apps = All ? Call(() => Engine.GetApps(Selector)).Select(a => a.Name).ToArray() : Name;
        var destination = Call(() => Engine.DescribeDestination(Selector), Destination);
        var instance = Call(() => Engine.GetInstance(Selector).Name, Instance);
        var confirmed = apps.Where(a => ShouldProcess($"app '{a}' of instance '{instance}'", $"Back up to {destination}")).ToList();
        if (confirmed.Count == 0) return;
        Run(async ct =>
        {
            await foreach (var outcome in Engine.BackupAppsAsync(Selector, confirmed, Observer(), ct).ConfigureAwait(false))
            {
                if (outcome.Error is { } error) PostError(error, outcome.Name);
                else PostObject(outcome.Backup);
            }
        });
    }
}
