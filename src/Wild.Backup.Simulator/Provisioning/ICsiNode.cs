using System.Text.Json.Nodes;

namespace Wild.Backup.Simulator.Provisioning;

/// <summary>
/// A CSI driver's node plugin as the kubelet calls it before a pod's containers start (NodeStageVolume): for each
/// PersistentVolume of the pod served by <see cref="Driver"/>, with the secret named by the PV's
/// <c>csi.nodeStageSecretRef</c> (resolved by the kubelet). Throw <see cref="CsiNodeException"/> to fail the mount: the
/// pod stays ContainerCreating with a FailedMount event and the kubelet retries. Register with
/// <see cref="Extensibility.ClusterExtensionContext.RegisterCsiNode"/>.
/// </summary>
public interface ICsiNode
{
    string Driver { get; }

    Task StageAsync(JsonObject persistentVolume, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken);
}

/// <summary>A failed NodeStageVolume: the gRPC code (<c>InvalidArgument</c>, <c>Internal</c>, …) and the driver's message.</summary>
public sealed class CsiNodeException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
