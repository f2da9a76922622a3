using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Provisioning;

namespace Wild.Backup.Simulator.Longhorn.Csi;

/// <summary>
/// Longhorn's CSI driver (<c>driver.longhorn.io</c>) as the external provisioner calls it: CreateVolume creates a
/// Longhorn Volume named like the PV (<c>pvc-&lt;claim uid&gt;</c>) from the StorageClass parameters
/// (<c>numberOfReplicas</c>, <c>staleReplicaTimeout</c>, <c>fromBackup</c>, <c>dataLocality</c>, …) and waits until
/// it exists; the PV gets <c>csi.driver</c>, <c>csi.volumeHandle</c> (the volume) and <c>csi.fsType</c> (ext4 unless the
/// class says otherwise). DeleteVolume deletes the Volume.
/// </summary>
internal sealed class LonghornCsiProvisioner(LonghornStore store) : IVolumeProvisioner
{
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);
    private readonly CsiVolumeProvisioner _pvSource = new(VolumeUsage.Driver);

    public string Name => VolumeUsage.Driver;

    public async Task ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken)
    {
        var p = request.Parameters;
        var spec = new JsonObject
        {
            ["size"] = request.CapacityBytes.ToString(CultureInfo.InvariantCulture),
            ["numberOfReplicas"] = int.TryParse(p.GetValueOrDefault("numberOfReplicas"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 3,
            ["staleReplicaTimeout"] = int.TryParse(p.GetValueOrDefault("staleReplicaTimeout"), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 2880,
            ["frontend"] = "blockdev",
            ["fromBackup"] = p.GetValueOrDefault("fromBackup") ?? "",
            ["accessMode"] = request.Claim.Arr("spec", "accessModes")?.Any(m => m?.GetValue<string>() == "ReadWriteMany") == true ? "rwx" : "rwo",
            ["dataEngine"] = p.GetValueOrDefault("dataEngine") ?? "v1",
        };
        if (p.GetValueOrDefault("dataLocality") is { Length: > 0 } locality) spec["dataLocality"] = locality;
        if (p.GetValueOrDefault("encrypted") == "true") spec["encrypted"] = true;
        var volume = new JsonObject
        {
            ["apiVersion"] = LonghornKube.ApiVersion,
            ["kind"] = "Volume",
            ["metadata"] = new JsonObject { ["name"] = request.VolumeName, ["namespace"] = LonghornKube.Namespace },
            ["spec"] = spec,
        };
        try
        {
            await request.Api.CreateAsync(LonghornKube.Volumes, LonghornKube.Namespace, volume, new WriteOptions { FieldManager = LonghornKube.CsiManager }, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
            // Created by an earlier attempt.
        }
        await WaitCreatedAsync(request.VolumeName, cancellationToken).ConfigureAwait(false);
        await _pvSource.ProvisionAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(DeleteVolumeRequest request, CancellationToken cancellationToken)
    {
        var name = request.PersistentVolume.Str("spec", "csi", "volumeHandle") ?? request.PersistentVolume.Str("metadata", "name")!;
        try
        {
            await request.Api.DeleteAsync(LonghornKube.Volumes, LonghornKube.Namespace, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }

    /// <summary>The CSI driver answers CreateVolume once longhorn-manager has created the volume (its state is set).</summary>
    private async Task WaitCreatedAsync(string name, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CreateTimeout);
        try
        {
            while (store.Get(LonghornKube.Volumes, name).Str("status", "state") is not ("detached" or "attached"))
                await Task.Delay(20, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"rpc error: code = DeadlineExceeded desc = volume {name} was not created within {CreateTimeout.TotalSeconds:0} s");
        }
    }
}
