using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core;
using Wild.Backup.Core.Images;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Writes disk images (qcow2 or raw) of an app's volumes from its latest backup, straight from Longhorn's block store.</summary>
/// <remarks>
/// <para>Reads the Longhorn backups that the app's latest backup records from Longhorn's block store — a directory or
/// an nfs:// share, read with WildBackup's own NFS client: no Longhorn, no cluster, no mount — and writes each volume as
/// a disk image any tool opens. By default the images go into that backup as volumes/{pvc}.qcow2, recorded in its
/// backup.json with size and SHA-256 and re-checked by Test-WildBackup; with -Path the one image goes to that file.</para>
/// <para>Every block is decompressed and checked against its SHA-512 as it is read; a missing or damaged block fails the
/// export naming the block. Ranges without data and blocks of zeros stay unallocated (raw: sparse). Each image is
/// written under a hidden name, flushed, read back against its hash and only then renamed into place, so a failure or
/// Ctrl-C leaves nothing half-written and an existing image stays.</para>
/// <para>Longhorn's store is read where the volume's backup URL says (nfs://server:/path), or from -BackupTarget, or
/// from cloud.backup.longhornTarget in config.yaml: say where it is readable from here when the recorded URL is not. An
/// unreadable store is an error (LonghornTargetUnreadable) naming the URL tried.</para>
/// <para>To use an image: qemu-img convert it to another format, attach it to a VM (virt-install --import), read its
/// files with guestmount, or loop-mount a raw image (mount -o loop,ro).</para>
/// </remarks>
/// <example title="Images into the latest backup">
/// <code>Export-WildVolume redis</code>
/// <para>Writes volumes/data-redis-0.qcow2 into redis's latest backup and records it in backup.json. (Here
/// cloud.backup.longhornTarget in config.yaml says where Longhorn's store is readable.)</para>
/// </example>
/// <example title="One volume as a raw file">
/// <code>Export-WildVolume redis -Claim data-redis-0 -Path /tmp/data-redis-0.raw -Format raw -Force
/// qemu-img info /tmp/data-redis-0.raw</code>
/// <para>Writes the claim's volume as a sparse raw disk image, replacing an earlier one; a filesystem volume loop-mounts
/// directly (sudo mount -o loop,ro /tmp/data-redis-0.raw /mnt).</para>
/// </example>
/// <example title="See what would be written">
/// <code>Export-WildVolume redis -Path /tmp/redis.qcow2 -BackupTarget nfs://nas.local/backups/longhorn -WhatIf</code>
/// <para>Says which image it would write where, reading Longhorn's store from that NFS share, and changes nothing.</para>
/// </example>
/// <returns>One Wild.Backup.Core.VolumeImageInfo per image written: app, claim, Longhorn volume and backup, format,
/// location, size, SHA-256, the disk's size.</returns>
/// <seealso cref="BackupWildAppCommand"/>
/// <seealso cref="TestWildBackupCommand"/>
[Cmdlet(VerbsData.Export, "WildVolume", SupportsShouldProcess = true)]
[OutputType(typeof(VolumeImageInfo))]
public sealed class ExportWildVolumeCommand : StorageCmdlet
{
    /// <summary>The app whose latest backup's volumes to export. Binds from the Name property of piped objects (a BackupInfo
    /// or a WildApp). Tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The claim (PVC) whose volume to export, as backup.json names it (e.g. data-redis-0); by default every volume
    /// of the backup.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Pvc")]
    [ValidateNotNullOrEmpty]
    public string? Claim { get; set; }

    /// <summary>Write the image to this file — a path (relative to the current location) or an nfs:// URL — instead of
    /// into the backup. Its directory must exist. Needs -Claim when the backup has several volumes.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>qcow2 (only allocated clusters take space; qemu, libvirt, virt-manager, guestfs open it) or raw (byte n of
    /// the file is byte n of the disk; holes stay sparse).</summary>
    /// <value>qcow2</value>
    [Parameter]
    [ValidateSet("qcow2", "raw")]
    public string Format { get; set; } = "qcow2";

    /// <summary>Export from this instance's backup instead (another instance's backups on the same destination).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

    /// <summary>Where Longhorn's backup store (the directory holding <c>backupstore/</c>) is readable from here — a
    /// directory or an nfs:// URL — when the target URL its backups record is not (a copy, a mount, another address).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BackupTarget { get; set; }

    /// <summary>Replace an existing file at -Path (without it, an existing file is an error and stays). Images inside the
    /// backup are always replaced.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Fail a step that makes no progress for this many seconds. Moving bytes count as progress.</summary>
    /// <value>300</value>
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
