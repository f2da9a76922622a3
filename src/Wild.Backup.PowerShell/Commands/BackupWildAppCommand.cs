using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Backs up apps to the destination: manifest, the app's directory, its config and secrets sections — latest only,
/// verified, and atomic (the previous backup stays intact until the new one is verified). Emits one BackupInfo per app;
/// an app that fails is a non-terminating error and the others go on.
/// </summary>
[Cmdlet(VerbsData.Backup, "WildApp", SupportsShouldProcess = true, DefaultParameterSetName = ByName)]
[OutputType(typeof(BackupInfo))]
public sealed class BackupWildAppCommand : StorageCmdlet
{
    private const string ByName = "ByName", AllApps = "All";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByName)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Every app of the instance.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllApps)]
    public SwitchParameter All { get; set; }

    /// <summary>Fail a step that makes no progress for this many seconds (default 300).</summary>
    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var known = Call(ct => Service.GetAppsAsync(instance, ct), instance).Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var apps = new List<string>();
        // Names that are no app are reported first, before anything runs, so -ErrorAction Stop stops here.
        foreach (var name in All ? known.Order(StringComparer.Ordinal) : Name.AsEnumerable())
        {
            if (!WildName.IsValid(name)) WriteError(ErrorRecords.From(Capture(() => WildName.Validate(name, "app")), name));
            else if (!known.Contains(name)) WriteError(ErrorRecords.From(new NotFoundException("AppNotFound", $"App '{name}' not found in instance '{instance}'."), name));
            else apps.Add(name);
        }
        if (apps.Count == 0) return;
        var destination = Call(ct => Service.DescribeDestinationAsync(instance, ct), Destination);
        var confirmed = apps.Where(a => ShouldProcess($"app '{a}' of instance '{instance}'", $"Back up to {destination}")).ToList();
        if (confirmed.Count == 0) return;
        RunOperation(new BackupAppsRequest(instance, confirmed) { StepTimeout = TimeoutFrom(TimeoutSeconds) }, item =>
        {
            if (!WriteFailure(item)) WriteObject(OperationResults.FromNode<BackupInfo>(item));
        });
    }

    private static Exception Capture(Action validate)
    {
        try
        {
            validate();
        }
        catch (InvalidInputException ex)
        {
            return ex;
        }
        return new InvalidOperationException("validation passed unexpectedly");
    }
}
