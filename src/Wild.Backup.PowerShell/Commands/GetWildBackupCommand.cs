using System.Management.Automation;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Shows the latest backup of each app and of the cluster: when, how big, where, and its files.</summary>
[Cmdlet(VerbsCommon.Get, "WildBackup", DefaultParameterSetName = "All")]
[OutputType(typeof(BackupInfo))]
public sealed class GetWildBackupCommand : StorageCmdlet
{
    /// <summary>App names; wildcards allowed.</summary>
    [Parameter(Position = 0, ParameterSetName = "All")]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Only the cluster backup.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Cluster")]
    public SwitchParameter Cluster { get; set; }

    /// <summary>Read another instance's backups (the source of a migration).</summary>
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
