using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core;
using Wild.Backup.Core.Images;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Writes disk images (qcow2 or raw) of an app's volumes from its latest backup, straight from Longhorn's block store —
/// no Longhorn, no cluster, no mount: by default into the backup as <c>volumes/{pvc}.qcow2</c> (recorded in backup.json
/// and checked by Test-WildBackup), or to -Path. Every block is verified; a damaged one fails the export naming it.
/// </summary>
[Cmdlet(VerbsData.Export, "WildVolume", SupportsShouldProcess = true)]
[OutputType(typeof(VolumeImageInfo))]
public sealed class ExportWildVolumeCommand : StorageCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The claim (PVC) whose volume to export; default: every volume of the backup.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Pvc")]
    [ValidateNotNullOrEmpty]
    public string? Claim { get; set; }

    /// <summary>Write the image to this file (a path, or an nfs:// URL) instead of into the backup. Needs -Claim when the
    /// backup has several volumes.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    [Parameter]
    [ValidateSet("qcow2", "raw")]
    public string Format { get; set; } = "qcow2";

    /// <summary>Export from this instance's backup instead (migration).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

    /// <summary>Where Longhorn's backup store (the directory holding <c>backupstore/</c>) is readable from here — a
    /// directory or an nfs:// URL — when the target URL its backups record is not (a copy, a mount, another address).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BackupTarget { get; set; }

    /// <summary>Replace an existing file at -Path.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Fail a step that makes no progress for this many seconds (default 300).</summary>
    [Parameter]
    [ValidateRange(1, 604800)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var format = Format.Equals("raw", StringComparison.OrdinalIgnoreCase) ? ImageFormat.Raw : ImageFormat.Qcow2;
        var path = Path is null ? null : Resolve(Path);
        var target = BackupTarget is null ? null : Resolve(BackupTarget);
        var what = Claim is null ? $"the volumes of app '{Name}'" : $"claim '{Claim}' of app '{Name}'";
        var where = path ?? $"the app's backup at {Call(ct => Service.DescribeDestinationAsync(instance, ct), Destination)} (volumes/)";
        if (!ShouldProcess(what, $"Write {Format} image to {Core.Storage.StoreFactory.Redact(where)}")) return;
        RunOperation(new ExportVolumeRequest(instance, new VolumeExportRequest
        {
            App = Name,
            Claim = Claim,
            Path = path,
            Format = format,
            FromInstance = FromInstance,
            BackupTarget = target,
            Replace = Force,
        }) { StepTimeout = TimeoutFrom(TimeoutSeconds) }, item => WriteObject(OperationResults.FromNode<VolumeImageInfo>(item)));
    }

    /// <summary>A path as PowerShell sees it (relative to the current location, ~ expanded); URLs as given.</summary>
    private string Resolve(string location) =>
        location.Contains("://", StringComparison.Ordinal) ? location : GetUnresolvedProviderPathFromPSPath(location);
}
