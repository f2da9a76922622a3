using System.Management.Automation;
using Wild.Backup.Core;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>A cmdlet that acts on one instance: <c>-Instance</c>, <c>-DataDir</c> and (for backup storage) <c>-Destination</c>.
/// Unset, they fall back to $env:WILD_INSTANCE / the only instance, $env:WILD_DATA_DIR / /var/lib/wild-cloud-central,
/// and $env:WILD_BACKUP_DEST / cloud.backup.destination / nfs://{cloud.nfs.host}/data.</summary>
public abstract class InstanceCmdlet : WildCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Instance { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DataDir { get; set; }

    protected InstanceSelector Selector => new(DataDir, Instance, SelectedDestination);

    /// <summary>The -Destination of cmdlets that touch backup storage (see <see cref="StorageCmdlet"/>).</summary>
    protected virtual string? SelectedDestination => null;
}

/// <summary>An instance cmdlet that reads or writes backup storage.</summary>
public abstract class StorageCmdlet : InstanceCmdlet
{
    /// <summary>A directory (a mounted share) or an nfs:// URL.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    protected override string? SelectedDestination => Destination;
}
