using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Longhorn.Product;

/// <summary>A claim bound to a Longhorn volume: what a backup of it records besides the Longhorn Backup.</summary>
public sealed record LonghornClaim(
    string Namespace, string Name, string VolumeName, string? StorageClass, IReadOnlyList<string> AccessModes, string? Request,
    string? VolumeMode, string? FsType)
{
    /// <summary>The PV's CSI secret references by field (an encrypted volume's passphrase is in them); empty when none.</summary>
    public IReadOnlyDictionary<string, CsiSecretReference> SecretRefs { get; init; } = new Dictionary<string, CsiSecretReference>();
}

/// <summary>Finds an app's claims that Longhorn serves: bound claims whose PV is a <c>driver.longhorn.io</c> CSI volume.</summary>
public static class LonghornClaims
{
    /// <summary>The Longhorn-backed claims of a namespace, by name; claims not bound (yet) or served by another driver are
    /// reported through <paramref name="skipped"/>.</summary>
    public static async Task<IReadOnlyList<LonghornClaim>> FindAsync(IKubernetesCluster cluster, string ns, Action<string> skipped, CancellationToken ct)
    {
        var claims = new List<LonghornClaim>();
        foreach (var pvc in (await cluster.ListAsync(ResourceKind.PersistentVolumeClaim, ns, null, ct).ConfigureAwait(false)).OrderBy(p => p.Name(), StringComparer.Ordinal))
        {
            var pvName = pvc.Str("spec", "volumeName");
            if (pvc.Str("status", "phase") != "Bound" || string.IsNullOrEmpty(pvName))
            {
                skipped($"claim {ns}/{pvc.Name()} is not bound ({pvc.Str("status", "phase") ?? "Pending"})");
                continue;
            }
            var pv = await cluster.GetAsync(ResourceKind.PersistentVolume, null, pvName, ct).ConfigureAwait(false);
            if (pv is null || pv.Str("spec", "csi", "driver") != LonghornApi.CsiDriver || pv.Str("spec", "csi", "volumeHandle") is not { Length: > 0 } volume)
            {
                skipped($"claim {ns}/{pvc.Name()} is not a Longhorn volume");
                continue;
            }
            claims.Add(new LonghornClaim(ns, pvc.Name(), volume, pvc.Str("spec", "storageClassName"),
                (pvc.Arr("spec", "accessModes") ?? []).Select(m => m?.GetValue<string>() ?? "").Where(m => m.Length > 0).ToList(),
                pvc.Str("spec", "resources", "requests", "storage"), pvc.Str("spec", "volumeMode"), pv.Str("spec", "csi", "fsType"))
            {
                SecretRefs = SecretRefsOf(pv),
            });
        }
        return claims;
    }

    /// <summary>The CSI secret reference fields of a PersistentVolume (k8s.io/api core/v1 CSIPersistentVolumeSource).</summary>
    public static readonly IReadOnlyList<string> SecretRefFields =
        ["nodeStageSecretRef", "nodePublishSecretRef", "controllerPublishSecretRef", "controllerExpandSecretRef", "nodeExpandSecretRef"];

    private static Dictionary<string, CsiSecretReference> SecretRefsOf(JsonObject pv)
    {
        var refs = new Dictionary<string, CsiSecretReference>(StringComparer.Ordinal);
        foreach (var field in SecretRefFields)
        {
            if (pv.Str("spec", "csi", field, "name") is { Length: > 0 } name)
                refs[field] = new CsiSecretReference(name, pv.Str("spec", "csi", field, "namespace") ?? "");
        }
        return refs;
    }
}
