using System.Management.Automation;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>A cmdlet that acts on one instance: <c>-Instance</c> and, for in-process work, <c>-DataDir</c>.
/// Unset, they fall back to $env:WILD_INSTANCE / the only instance, and $env:WILD_DATA_DIR / /var/lib/wild-cloud-central.</summary>
public abstract class InstanceCmdlet : WildCmdlet
{
    /// <summary>The Wild Cloud instance (a directory under {DataDir}/instances). Tab-completes. Binds from the Instance
    /// property of piped objects.</summary>
    /// <value>$env:WILD_INSTANCE, else the only instance in the data dir</value>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Instance { get; set; }

    /// <summary>The Wild Cloud data dir that holds instances/{name}/ (config.yaml, secrets.yaml, apps/, kubeconfig). Ignored
    /// with -Server: the server uses its own.</summary>
    /// <value>$env:WILD_DATA_DIR, else /var/lib/wild-cloud-central</value>
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
    /// <summary>The backup storage: an existing directory (a mounted share; a missing one is "unreachable", never created)
    /// or an nfs://host[:port]/export[/dir] URL spoken by the built-in NFSv3 client. Ignored with -Server.</summary>
    /// <value>$env:WILD_BACKUP_DEST, else cloud.backup.destination in config.yaml, else nfs://{cloud.nfs.host}/data</value>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Destination { get; set; }

    protected override string? LocalDestination => Destination;
}
