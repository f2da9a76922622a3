using System.Management.Automation;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>A cmdlet that acts on one instance: <c>-Instance</c> and, for in-process work, <c>-DataDir</c>.
/// Unset, they fall back to $env:WILD_INSTANCE / the only instance, and $env:WILD_DATA_DIR / /var/lib/wild-cloud-central.</summary>
public abstract class InstanceCmdlet : WildCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Instance { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? DataDir { get; set; }

    protected override string? LocalDataDir => DataDir;

    /// <summary>The instance's name, resolved the way the service does (local data dir, or the server).</summary>
    protected string InstanceName => _instanceName ??= Call(ct => Service.ResolveInstanceAsync(Instance, ct), Instance);
    private string? _instanceName;

    protected override void ProcessRecord() => _instanceName = null; // piped objects may name other instances
}

/// <summary>An instance cmdlet that reads or writes backup storage: also <c>-Destination</c> (a directory — a mounted
/// share — or an nfs:// URL; unset: $env:WILD_BACKUP_DEST, cloud.backup.destination, nfs://{cloud.nfs.host}/data).
/// With -Server, the server's configuration decides the destination.</summary>
public abstract class StorageCmdlet : InstanceCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    protected override string? LocalDestination => Destination;
}
