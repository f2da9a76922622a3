using System.Text.Json;
using Wild.Backup.Simulator.Api;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Kube;

namespace Wild.Backup.Simulator.Longhorn.Controllers;

/// <summary>The Volume's status: state and robustness from attachment and restore, kubernetesStatus, conditions.</summary>
internal sealed partial class VolumeController
{
    private JsonObject Status(ObjectRef key, JsonObject volume, VolumeInfo info, RestoreStatus? restore, VolumeUsage usage)
    {
        var status = JsonSerializer.SerializeToNode(info.Status, JsonTools.Options)!.AsObject();
        var old = volume.Obj("status");
        status["ownerID"] = Lh.NodeName;
        var restoring = info.Status.RestoreRequired && restore is { IsFinal: false };
        var node = "";
        if (restoring)
        {
            node = Lh.NodeName;
        }
        else if (info.Status.Robustness != VolumeStates.Faulted)
        {
            var pod = usage.AttachingPods.FirstOrDefault();
            node = pod.Str("spec", "nodeName") ?? "";
            var state = pod is null ? VolumeStates.Detached : VolumeStates.Attached;
            // Attachment tickets (snapshot, backup): attaching for AttachDelay after the first, then attached.
            if (pod is null && Lh.Attachments.RequestedSince(info.Name) is { } since)
            {
                var left = since + Lh.Options.AttachDelay - Clock;
                state = left > TimeSpan.Zero ? VolumeStates.Attaching : VolumeStates.Attached;
                if (left > TimeSpan.Zero) EnqueueAfter(key, left);
                else node = Lh.NodeName;
            }
            status["state"] = state;
            status["robustness"] = state == VolumeStates.Attached ? VolumeStates.Healthy : VolumeStates.Unknown;
        }
        status["currentNodeID"] = node;
        status["frontendDisabled"] = restoring;
        status["expansionRequired"] = false;
        status["kubernetesStatus"] = KubernetesStatus(old?.Obj("kubernetesStatus"), usage);
        var conditions = SetCondition(old?["conditions"], "Scheduled", "True", "", "");
        if ((volume.Str("spec", "fromBackup") ?? "").Length > 0)
        {
            conditions = restore switch
            {
                { IsFinal: false } => SetCondition(conditions, "Restore", "True", "RestoreInProgress", ""),
                { State: RestoreStatus.States.Error } r => SetCondition(conditions, "Restore", "False", "RestoreFailure", r.Error ?? ""),
                _ => SetCondition(conditions, "Restore", "False", "", ""),
            };
        }
        status["conditions"] = conditions;
        return status;
    }

    private JsonObject KubernetesStatus(JsonObject? old, VolumeUsage usage)
    {
        var pvcName = usage.Pvc.Str("metadata", "name") ?? "";
        var oldPvc = old.Str("pvcName") ?? "";
        return new JsonObject
        {
            ["pvName"] = usage.Pv.Str("metadata", "name") ?? "",
            ["pvStatus"] = usage.Pv.Str("status", "phase") ?? "",
            ["namespace"] = usage.Pvc.Str("metadata", "namespace") ?? (usage.Pv is null ? "" : old.Str("namespace") ?? ""),
            ["pvcName"] = pvcName,
            ["lastPVCRefAt"] = pvcName.Length > 0 ? "" : oldPvc.Length > 0 ? Now : old.Str("lastPVCRefAt") ?? "",
            ["lastPodRefAt"] = usage.Pods.Count > 0 ? "" : old.Str("lastPodRefAt") ?? "",
            ["workloadsStatus"] = new JsonArray([.. usage.Pods.Select(p => (JsonNode)new JsonObject
            {
                ["podName"] = p.Str("metadata", "name"),
                ["podStatus"] = p.Str("status", "phase") ?? "",
                ["workloadName"] = Owners.Controller(p)?.Name ?? "",
                ["workloadType"] = Owners.Controller(p)?.Kind ?? "",
            })]),
        };
    }
}
