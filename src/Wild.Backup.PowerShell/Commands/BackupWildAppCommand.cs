using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Backs up Wild Cloud apps: their configuration and their Longhorn volumes, verified, latest only.</summary>
/// <remarks>
/// <para>For each app: its manifest, its whole apps/{app}/ directory (config.tar.gz), its sections of config.yaml and
/// secrets.yaml, and a Longhorn backup of each of its volumes, recorded with their SHA-256 in backup.json under
/// {destination}/{instance}/backups/apps/{app}/. The backup is written beside the previous one, flushed, read back and
/// verified, and only then swapped in: a failure, a full disk or Ctrl-C keeps the previous backup intact and removes the
/// staging directory. Only the latest backup of each app is kept.</para>
/// <para>Names bind from the pipeline (Get-WildApp | Backup-WildApp). With several apps, an app that fails is a
/// non-terminating error and the others go on; names that are no app are reported first, before anything runs, so
/// -ErrorAction Stop stops before any work. With several apps a parent progress bar shows the run and a child bar under
/// it each app in flight, with bytes and rate while data moves.</para>
/// <para>Without a reachable cluster the configuration is still backed up, with a warning, and the previous backup's
/// volume entries are carried over.</para>
/// </remarks>
/// <example title="Back up one app">
/// <code>Backup-WildApp gitea</code>
/// <para>Backs up gitea of the only instance to the configured destination and returns its BackupInfo.</para>
/// </example>
/// <example title="Back up every app">
/// <code>Get-WildApp | Backup-WildApp | Format-Table Name, Size, Location</code>
/// <para>Pipes every app of the instance to Backup-WildApp (Backup-WildApp -All does the same).</para>
/// </example>
/// <example title="Several apps, one may fail">
/// <code>Backup-WildApp redis, postgres -ErrorVariable failed -ErrorAction SilentlyContinue
/// $failed | ForEach-Object FullyQualifiedErrorId</code>
/// <para>Each app that fails is a non-terminating error (for instance AppNotFound); the others are backed up.</para>
/// </example>
/// <example title="See what would be done">
/// <code>Backup-WildApp -All -Destination /mnt/nas/backups -WhatIf</code>
/// <para>Shows each backup it would take, to that destination, and changes nothing.</para>
/// </example>
/// <returns>One Wild.Backup.Core.Backups.BackupInfo per app backed up: name, time, size, location, its files and
/// volumes.</returns>
/// <seealso cref="GetWildAppCommand"/>
/// <seealso cref="GetWildBackupCommand"/>
/// <seealso cref="TestWildBackupCommand"/>
[Cmdlet(VerbsData.Backup, "WildApp", SupportsShouldProcess = true, DefaultParameterSetName = ByName)]
[OutputType(typeof(BackupInfo))]
public sealed class BackupWildAppCommand : StorageCmdlet
{
    private const string ByName = "ByName", AllApps = "All";

    /// <summary>The apps to back up (names, as Get-WildApp lists them). Binds from the pipeline, by value or from the Name
    /// property of piped objects. Tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByName)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Back up every app of the instance.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllApps)]
    public SwitchParameter All { get; set; }

    /// <summary>Also write a qcow2 image of each volume into the backup (<c>volumes/{pvc}.qcow2</c>), read back from
    /// Longhorn's block store. Off by default: it doubles the storage. config.yaml <c>cloud.backup.exportImages: true</c>
    /// turns it on for every backup.</summary>
    [Parameter]
    public SwitchParameter ExportImages { get; set; }

    /// <summary>Fail a step that makes no progress for this many seconds. Moving bytes count as progress; a step that reports
    /// rarely may also take a minute per GiB it moves.</summary>
    /// <value>300</value>
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
        RunOperation(new BackupAppsRequest(instance, confirmed) { StepTimeout = TimeoutFrom(TimeoutSeconds), ExportImages = ExportImages }, item =>
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
