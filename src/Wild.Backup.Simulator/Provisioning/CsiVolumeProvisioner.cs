using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Provisioning;

/// <summary>
/// A provisioner that creates nothing behind the volume: it fills in a CSI volume source for its
/// driver (volumeHandle = PV name, fsType from the class, class parameters as volumeAttributes).
/// The cluster registers one for <c>driver.longhorn.io</c> until the Longhorn simulator replaces it.
/// </summary>
public sealed class CsiVolumeProvisioner : IVolumeProvisioner
{
    private readonly List<string> deleted = new();

    public CsiVolumeProvisioner(string driverName) => Name = driverName;

    public string Name { get; }

    /// <summary>Names of volumes this provisioner was asked to delete (for tests).</summary>
    public IReadOnlyList<string> Deleted
    {
        get { lock (deleted) return deleted.ToList(); }
    }

    public Task ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken)
    {
        var attributes = new JsonObject();
        foreach (var (k, v) in request.Parameters)
        {
            if (!k.StartsWith("csi.storage.k8s.io/", StringComparison.Ordinal)) attributes[k] = v;
        }
        attributes["storage.kubernetes.io/csiProvisionerIdentity"] = $"1700000000000-1234-{Name}";
        var spec = request.PersistentVolume.Ensure("spec");
        spec["csi"] = new JsonObject
        {
            ["driver"] = Name,
            ["volumeHandle"] = request.VolumeName,
            ["fsType"] = request.Parameters.TryGetValue("fsType", out var fs) ? fs : request.Parameters.TryGetValue("csi.storage.k8s.io/fstype", out var fs2) ? fs2 : "ext4",
            ["volumeAttributes"] = attributes,
        };
        return Task.CompletedTask;
    }

    public Task DeleteAsync(DeleteVolumeRequest request, CancellationToken cancellationToken)
    {
        lock (deleted) deleted.Add(request.PersistentVolume.Str("metadata", "name") ?? "");
        return Task.CompletedTask;
    }
}
