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
        var csi = new JsonObject
        {
            ["driver"] = Name,
            ["volumeHandle"] = request.VolumeName,
            ["fsType"] = request.Parameters.TryGetValue("fsType", out var fs) ? fs : request.Parameters.TryGetValue("csi.storage.k8s.io/fstype", out var fs2) ? fs2 : "ext4",
            ["volumeAttributes"] = attributes,
        };
        foreach (var (field, prefix) in SecretRefs)
        {
            if (request.Parameters.TryGetValue($"csi.storage.k8s.io/{prefix}-secret-name", out var name))
            {
                csi[field] = new JsonObject
                {
                    ["name"] = Template(name, request),
                    ["namespace"] = Template(request.Parameters.GetValueOrDefault($"csi.storage.k8s.io/{prefix}-secret-namespace") ?? "", request),
                };
            }
        }
        spec["csi"] = csi;
        return Task.CompletedTask;
    }

    // external-provisioner (pkg/controller/controller.go): the StorageClass's secret parameters become the PV's secret
    // references, with ${pvc.name}, ${pvc.namespace} and ${pv.name} filled in.
    private static readonly (string Field, string Prefix)[] SecretRefs =
    [
        ("nodeStageSecretRef", "node-stage"),
        ("nodePublishSecretRef", "node-publish"),
        ("controllerPublishSecretRef", "controller-publish"),
        ("controllerExpandSecretRef", "controller-expand"),
        ("nodeExpandSecretRef", "node-expand"),
    ];

    private static string Template(string value, ProvisionRequest request) => value
        .Replace("${pvc.name}", request.Claim.Str("metadata", "name"), StringComparison.Ordinal)
        .Replace("${pvc.namespace}", request.Claim.Str("metadata", "namespace"), StringComparison.Ordinal)
        .Replace("${pv.name}", request.VolumeName, StringComparison.Ordinal);

    public Task DeleteAsync(DeleteVolumeRequest request, CancellationToken cancellationToken)
    {
        lock (deleted) deleted.Add(request.PersistentVolume.Str("metadata", "name") ?? "");
        return Task.CompletedTask;
    }
}
