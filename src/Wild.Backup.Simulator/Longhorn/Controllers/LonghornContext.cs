using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Longhorn.Targets;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>What Longhorn's controllers share: the cluster, the data plane, the options and where target URLs land, the
/// version being simulated, Longhorn's clock and the volumes' attachment tickets.</summary>
internal sealed class LonghornContext(ClusterRuntime runtime, LonghornDataPlane plane, LonghornOptions options, BackupTargetLocator locator, string nodeName)
{
    public ClusterRuntime Runtime => runtime;

    public LonghornStore Store { get; } = new(runtime, options.Version);

    public LonghornDataPlane Plane => plane;

    public LonghornOptions Options => options;

    public LonghornVersion Version => options.Version;

    public BackupTargetLocator Locator => locator;

    /// <summary>The node Longhorn's controllers run on (<c>status.ownerID</c>).</summary>
    public string NodeName => nodeName;

    /// <summary>Longhorn's clock: this machine's, moved by <see cref="LonghornOptions.ClockSkew"/>.</summary>
    public DateTimeOffset Clock => runtime.Now + options.ClockSkew;

    /// <summary>The volumes' attachment tickets (Longhorn's VolumeAttachment objects, kept in memory).</summary>
    public AttachmentTickets Attachments { get; } = new();

    /// <summary>Hands the live-changeable fields of a Volume object (target, compression) to its data plane volume.</summary>
    public VolumeInfo SyncVolumeSpec(JsonObject volume, VolumeInfo info)
    {
        var target = Version.HasBackupTargetName ? volume.Str("spec", "backupTargetName") : LonghornKube.DefaultTargetName;
        if (target is { Length: > 0 } && volume.Str("spec", "backupCompressionMethod") is { Length: > 0 } method
            && (target, method) != (info.Spec.BackupTargetName, info.Spec.BackupCompressionMethod))
        {
            return plane.UpdateVolume(info.Name, target, method);
        }
        return info;
    }
}

/// <summary>
/// Who needs a volume's engine running besides its pods: the snapshot and backup controllers ask for an attachment
/// ticket (controller/snapshot_controller.go and backup_controller.go: handleAttachmentTicketCreation) and give it back
/// when done; the volume attaches <see cref="LonghornOptions.AttachDelay"/> after the first ticket and detaches when the
/// last one goes (controller/volume_attachment_controller.go, simplified: no VolumeAttachment objects).
/// </summary>
internal sealed class AttachmentTickets
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, DateTimeOffset>> _tickets = new(StringComparer.Ordinal);

    /// <summary>Raised with the volume's name when its tickets change.</summary>
    public event Action<string>? Changed;

    /// <summary>Asks for the volume to be attached on behalf of <paramref name="ticket"/> (idempotent).</summary>
    public void Request(string volume, string ticket, DateTimeOffset now)
    {
        if (_tickets.GetOrAdd(volume, _ => new(StringComparer.Ordinal)).TryAdd(ticket, now)) Changed?.Invoke(volume);
    }

    public void Release(string volume, string ticket)
    {
        if (_tickets.TryGetValue(volume, out var t) && t.TryRemove(ticket, out _)) Changed?.Invoke(volume);
    }

    /// <summary>Since when the volume has been asked to attach; null when no ticket holds it.</summary>
    public DateTimeOffset? RequestedSince(string volume) =>
        _tickets.TryGetValue(volume, out var t) && !t.IsEmpty ? t.Values.Min() : null;

    public void Forget(string volume) => _tickets.TryRemove(volume, out _);
}
