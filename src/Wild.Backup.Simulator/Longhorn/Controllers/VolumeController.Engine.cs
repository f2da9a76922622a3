using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Kube;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>The volume's Engine object, where Longhorn reports restore progress.</summary>
internal sealed partial class VolumeController
{
    /// <summary>Keeps the volume's Engine (<c>&lt;volume&gt;-e-0</c>) with its state and restore progress.</summary>
    private void SyncEngine(JsonObject volume, VolumeInfo info, RestoreStatus? restore)
    {
        var name = volume.Str("metadata", "name")!;
        var engineName = LonghornKube.EngineName(name);
        var engine = Get(LonghornKube.Engines, engineName);
        if (engine is null)
        {
            var backupName = (volume.Str("spec", "fromBackup") ?? "") is { Length: > 0 } url ? Core.Longhorn.BlockStore.BackupUrl.Decode(url).BackupName ?? "" : "";
            try
            {
                engine = Create(LonghornKube.Engines, new JsonObject
                {
                    ["kind"] = "Engine",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = engineName,
                        ["labels"] = new JsonObject { [LonghornKube.LabelVolume] = name },
                        ["ownerReferences"] = new JsonArray(new JsonObject
                        {
                            ["apiVersion"] = LonghornKube.ApiVersion, ["kind"] = "Volume", ["name"] = name,
                            ["uid"] = volume.Str("metadata", "uid"), ["controller"] = true, ["blockOwnerDeletion"] = true,
                        }),
                    },
                    ["spec"] = new JsonObject
                    {
                        ["volumeName"] = name,
                        ["volumeSize"] = volume.Str("spec", "size"),
                        ["dataEngine"] = volume.Str("spec", "dataEngine") ?? "v1",
                        ["frontend"] = volume.Str("spec", "frontend") ?? "blockdev",
                        ["requestedBackupRestore"] = backupName,
                        ["backupVolume"] = volume.Str("metadata", "labels", LonghornKube.LabelBackupVolume) ?? "",
                    },
                });
            }
            catch (KubeApiException e) when (e.Code == 409)
            {
                return;
            }
        }
        var attached = volume.Str("status", "state") == VolumeStates.Attached;
        var status = new JsonObject
        {
            ["ownerID"] = Lh.NodeName,
            ["currentState"] = attached ? "running" : "stopped",
            ["currentSize"] = info.SizeBytes.ToString(CultureInfo.InvariantCulture),
            ["lastRestoredBackup"] = restore?.LastRestored ?? "",
        };
        if (restore is not null)
        {
            var perReplica = new JsonObject();
            var replicas = (int)(volume.Long("spec", "numberOfReplicas") ?? 1);
            for (var i = 0; i < replicas; i++)
                perReplica[$"tcp://10.42.{i + 1}.10:10010"] = JsonSerializer.SerializeToNode(restore, JsonTools.Options);
            status["restoreStatus"] = perReplica;
        }
        WriteStatus(LonghornKube.Engines, engine, status);
    }
}
