using System.Collections.Concurrent;

namespace Wild.Backup.Simulator.Provisioning;

/// <summary>The provisioners known to the cluster, by StorageClass provisioner name.</summary>
internal sealed class ProvisionerRegistry
{
    private readonly ConcurrentDictionary<string, IVolumeProvisioner> provisioners = new(StringComparer.Ordinal);

    public void Register(IVolumeProvisioner provisioner) => provisioners[provisioner.Name] = provisioner;

    public IVolumeProvisioner? Find(string name) => provisioners.TryGetValue(name, out var p) ? p : null;
}

/// <summary>The CSI node plugins known to the kubelets, by driver name.</summary>
internal sealed class CsiNodeRegistry
{
    private readonly ConcurrentDictionary<string, ICsiNode> nodes = new(StringComparer.Ordinal);

    public void Register(ICsiNode node) => nodes[node.Driver] = node;

    public ICsiNode? Find(string driver) => nodes.TryGetValue(driver, out var n) ? n : null;
}
