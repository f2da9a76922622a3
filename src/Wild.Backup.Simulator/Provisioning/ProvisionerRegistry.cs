using System.Collections.Concurrent;

namespace Wild.Backup.Simulator.Provisioning;

/// <summary>The provisioners known to the cluster, by StorageClass provisioner name.</summary>
internal sealed class ProvisionerRegistry
{
    private readonly ConcurrentDictionary<string, IVolumeProvisioner> provisioners = new(StringComparer.Ordinal);

    public void Register(IVolumeProvisioner provisioner) => provisioners[provisioner.Name] = provisioner;

    public IVolumeProvisioner? Find(string name) => provisioners.TryGetValue(name, out var p) ? p : null;
}
