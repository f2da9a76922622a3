using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Shows the latest backup of each app and of the cluster: when, how big, where, and its files.</summary>
/// <remarks>
/// <para>Reads the backup records (backup.json) on the destination. Only sealed, verified backups are listed; a backup
/// in progress or left half-written by a crash is not. Pipe the result to Test-WildBackup to re-verify the files.</para>
/// <para>A literal app name without a backup is a non-terminating BackupNotFound error.</para>
/// </remarks>
/// <example title="Every backup">
/// <code>Get-WildBackup</code>
/// <para>The cluster backup and each app's, as a table: kind, name, time, size, files, location.</para>
/// </example>
/// <example title="The cluster backup's files">
/// <code>(Get-WildBackup -Cluster).Files</code>
/// <para>Each file of the cluster backup with its size and SHA-256.</para>
/// </example>
/// <example title="Backups older than a day">
/// <code>Get-WildBackup | Where-Object CreatedAt -LT (Get-Date).AddDays(-1)</code>
/// <para>Finds apps whose latest backup is more than a day old.</para>
/// </example>
/// <returns>Wild.Backup.Core.Backups.BackupInfo objects: Kind, Name, CreatedAt, Size, Location, Files, Volumes.</returns>
/// <seealso cref="TestWildBackupCommand"/>
/// <seealso cref="BackupWildAppCommand"/>
[Cmdlet(VerbsCommon.Get, "WildBackup", DefaultParameterSetName = "All")]
[OutputType(typeof(BackupInfo))]
public sealed class GetWildBackupCommand : StorageCmdlet
{
    /// <summary>Only the backups of these apps; wildcards allowed. Tab-completes.</summary>
    /// <value>Every backup, the cluster's included</value>
    [Parameter(Position = 0, ParameterSetName = "All")]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Only the cluster backup.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Cluster")]
    public SwitchParameter Cluster { get; set; }

    /// <summary>Read the backups of this other instance on the same storage (the source of a migration).</summary>
    /// <value>The instance itself</value>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var all = Call(ct => Service.GetBackupsAsync(instance, FromInstance, ct), instance);
        if (Cluster)
        {
            foreach (var b in all.Where(b => b.Kind == BackupKind.Cluster)) WriteObject(b);
            return;
        }
        var items = Name is null ? all : all.Where(b => b.Kind == BackupKind.App).ToList();
        foreach (var (pattern, matches) in NameFilter.Apply(Name, items, b => b.Name))
        {
            if (matches.Count == 0) WriteError(ErrorRecords.From(new NotFoundException("BackupNotFound", $"No backup of app '{pattern}'."), pattern));
            foreach (var b in matches) WriteObject(b);
        }
    }
}
