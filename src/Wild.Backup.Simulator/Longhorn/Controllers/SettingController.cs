using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>
/// longhorn-manager's Setting controller: marks every setting applied. The settings take effect where Longhorn reads
/// them: <c>backup-compression-method</c>, <c>default-backup-block-size</c> and <c>default-replica-count</c> become
/// the defaults of Volumes created afterwards (the Volume webhook fills them in).
/// </summary>
internal sealed class SettingController(LonghornContext lh) : LonghornController(lh, "longhorn-setting")
{
    protected override IEnumerable<GroupResource?> Watches => [Kube.LonghornKube.Settings.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e) => [Self(e)];

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken ct)
    {
        if (Get(Kube.LonghornKube.Settings, key.Name) is { } setting && !IsDeleting(setting))
            WriteStatus(Kube.LonghornKube.Settings, setting, new JsonObject { ["applied"] = true });
        return Task.CompletedTask;
    }
}
