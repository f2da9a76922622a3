using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Provisioning;

/// <summary>
/// Dynamic provisioning for one StorageClass provisioner name, as an external CSI provisioner does it.
/// The simulator's volume controller calls <see cref="ProvisionAsync"/> for a Pending claim whose class
/// names this provisioner, then creates the PersistentVolume from the completed draft and binds it;
/// it calls <see cref="DeleteAsync"/> when a released volume's reclaim policy is Delete.
/// Register with <see cref="Cluster.SimulatedClusterOptions.Provisioners"/> or
/// <see cref="Extensibility.ClusterExtensionContext.RegisterProvisioner"/>; a later registration
/// with the same <see cref="Name"/> replaces the earlier one (e.g. the Longhorn simulator replaces the
/// default <c>driver.longhorn.io</c>).
/// </summary>
public interface IVolumeProvisioner
{
    /// <summary>The StorageClass <c>provisioner</c> this serves, e.g. <c>driver.longhorn.io</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Completes <see cref="ProvisionRequest.PersistentVolume"/> (at least its volume source, e.g.
    /// <c>spec.csi</c>) and creates whatever backs it. Throw to fail: the claim gets a
    /// ProvisioningFailed event and is retried.
    /// </summary>
    Task ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken);

    /// <summary>Removes what backs a released volume; throw to keep the PV (it becomes Failed with an event).</summary>
    Task DeleteAsync(DeleteVolumeRequest request, CancellationToken cancellationToken);

    /// <summary>Grows a bound volume after its claim's request grew (allowVolumeExpansion classes).</summary>
    Task ExpandAsync(ExpandVolumeRequest request, CancellationToken cancellationToken) => Task.CompletedTask;
}

public sealed class ProvisionRequest
{
    /// <summary>The PersistentVolumeClaim being provisioned for.</summary>
    public required JsonObject Claim { get; init; }

    public required JsonObject StorageClass { get; init; }

    /// <summary>
    /// The PersistentVolume to create, pre-filled with name (<c>pvc-&lt;claim uid&gt;</c>), capacity,
    /// accessModes, volumeMode, claimRef, storageClassName, reclaimPolicy, mountOptions and the
    /// provisioned-by annotation. The provisioner adds the volume source.
    /// </summary>
    public required JsonObject PersistentVolume { get; init; }

    public required string VolumeName { get; init; }

    public required long CapacityBytes { get; init; }

    /// <summary>Node chosen by the scheduler for WaitForFirstConsumer classes.</summary>
    public string? SelectedNode { get; init; }

    public required IReadOnlyDictionary<string, string> Parameters { get; init; }

    /// <summary>In-process API to create backing objects (e.g. a Longhorn Volume).</summary>
    public required IClusterApi Api { get; init; }
}

public sealed class DeleteVolumeRequest
{
    public required JsonObject PersistentVolume { get; init; }

    public required IClusterApi Api { get; init; }
}

public sealed class ExpandVolumeRequest
{
    public required JsonObject PersistentVolume { get; init; }

    public required JsonObject Claim { get; init; }

    public required long NewCapacityBytes { get; init; }

    public required IClusterApi Api { get; init; }
}
