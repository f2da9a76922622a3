using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Provisioning;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The kubelets of all simulated nodes. No container runs: a pod bound to a node becomes Running
/// (and Ready) after <see cref="SimulatedClusterOptions.PodStartDelay"/> with the status a real
/// kubelet reports (conditions, containerStatuses with image/container IDs, pod and host IPs,
/// Pulled/Created/Started events). Pods with restartPolicy Never/OnFailure finish after their run
/// time (Succeeded, or Failed for the "fail" behaviour). Failure knobs: never-ready (failing
/// readiness probe, Unhealthy events) and crash-loop (restartCount grows, CrashLoopBackOff, BackOff
/// events). A deleted pod terminates (Killing events) and is removed after
/// <see cref="SimulatedClusterOptions.PodTerminationDelay"/>.
/// </summary>
internal sealed class Kubelet : Controller
{
    private readonly ConcurrentDictionary<string, PodRuntime> pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> nextIp = new(StringComparer.Ordinal);

    public Kubelet(ClusterRuntime rt) : base(rt, "kubelet") { }

    protected override string FieldManager => "kubelet";

    protected override IEnumerable<GroupResource?> Watches => [GroupVersionResource.Pods.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        if (e.Type == StoreEventType.Deleted)
        {
            pods.TryRemove(e.Previous?.Uid ?? e.Object!.Uid, out _);
            return [];
        }
        return string.IsNullOrEmpty(e.Object!.Parse().Str("spec", "nodeName")) ? [] : [Self(e)];
    }

    private sealed class PodRuntime
    {
        public required DateTimeOffset Seen { get; init; }

        public DateTimeOffset? Started { get; set; }

        public DateTimeOffset? DeletionSeen { get; set; }

        public string PodIp { get; set; } = "";

        public int ReportedRestarts { get; set; }

        public Dictionary<string, string> ContainerIds { get; } = new(StringComparer.Ordinal);

        /// <summary>PersistentVolumes NodeStageVolume succeeded for.</summary>
        public HashSet<string> Staged { get; } = new(StringComparer.Ordinal);

        /// <summary>The last FailedMount message (an event is recorded when it changes).</summary>
        public string? MountProblem { get; set; }
    }

    protected override async Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var pod = Rt.GetObject(GroupVersionResource.Pods, key.Namespace, key.Name);
        if (pod is null) return;
        var nodeName = pod.Str("spec", "nodeName");
        if (string.IsNullOrEmpty(nodeName)) return;
        var uid = pod.Str("metadata", "uid")!;
        var now = Rt.Now;
        var state = pods.GetOrAdd(uid, _ => new PodRuntime { Seen = now });

        if (pod.Str("metadata", "deletionTimestamp") is not null)
        {
            await TerminateAsync(key, pod, state, now).ConfigureAwait(false);
            return;
        }
        if (pod.Str("status", "phase") is "Succeeded" or "Failed") return;

        if (state.Started is null)
        {
            var wait = state.Seen + Rt.Options.PodStartDelay - now;
            if (wait > TimeSpan.Zero)
            {
                EnqueueAfter(key, wait);
                return;
            }
            if (await StageVolumesAsync(pod, state, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                if (problem != state.MountProblem)
                {
                    state.MountProblem = problem;
                    Rt.Events.Record(pod, "Warning", "FailedMount", problem, "kubelet", nodeName);
                    WriteContainerCreating(key, pod);
                }
                EnqueueAfter(key, TimeSpan.FromSeconds(1));
                return;
            }
            state.Started = now;
            state.PodIp = AllocateIp(nodeName);
            foreach (var c in Containers(pod))
            {
                var name = c.Str("name")!;
                var fieldPath = $"spec.containers{{{name}}}";
                Rt.Events.Record(pod, "Normal", "Pulled", $"Container image \"{c.Str("image")}\" already present on machine", "kubelet", nodeName, fieldPath);
                Rt.Events.Record(pod, "Normal", "Created", $"Created container: {name}", "kubelet", nodeName, fieldPath);
                Rt.Events.Record(pod, "Normal", "Started", $"Started container {name}", "kubelet", nodeName, fieldPath);
            }
        }

        var behavior = Behavior(pod, out var crashContainer);
        var restartPolicy = pod.Str("spec", "restartPolicy") ?? "Always";
        var runsToCompletion = restartPolicy != "Always";
        var started = state.Started.Value;
        var elapsed = now - started;
        var interval = Rt.Options.CrashLoopRestartInterval;
        var runTime = RunTime(pod);

        var updated = pod.CloneObject();
        TimeSpan? again = null;
        string phase = "Running";
        var containerStates = new Dictionary<string, ContainerState>(StringComparer.Ordinal);
        foreach (var c in Containers(pod))
        {
            containerStates[c.Str("name")!] = new ContainerState(Ready: true, Started: true, Restarts: 0, Running: true, ExitCode: null, Reason: null);
        }

        var crashes = behavior == PodBehavior.CrashLoop || (behavior == PodBehavior.Fail && restartPolicy == "OnFailure");
        if (crashes)
        {
            var target = crashContainer ?? containerStates.Keys.First();
            var restarts = (int)(elapsed.Ticks / Math.Max(1, interval.Ticks));
            containerStates[target] = new ContainerState(false, false, restarts, false, 1, "CrashLoopBackOff");
            if (restarts > state.ReportedRestarts || state.ReportedRestarts == 0)
            {
                var podRef = $"{key.Name}_{key.Namespace}({uid})";
                Rt.Events.Record(pod, "Warning", "BackOff", $"Back-off restarting failed container {target} in pod {podRef}", "kubelet", nodeName, $"spec.containers{{{target}}}");
                state.ReportedRestarts = Math.Max(1, restarts);
            }
            again = interval - TimeSpan.FromTicks(elapsed.Ticks % Math.Max(1, interval.Ticks));
        }
        else if (behavior == PodBehavior.NeverReady && !runsToCompletion)
        {
            foreach (var name in containerStates.Keys.ToList()) containerStates[name] = containerStates[name] with { Ready = false };
            Rt.Events.Record(pod, "Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", "kubelet", nodeName,
                $"spec.containers{{{containerStates.Keys.First()}}}");
            again = interval;
        }
        else if (runsToCompletion)
        {
            if (elapsed < runTime)
            {
                again = runTime - elapsed;
            }
            else
            {
                var failed = behavior == PodBehavior.Fail;
                phase = failed ? "Failed" : "Succeeded";
                foreach (var name in containerStates.Keys.ToList())
                {
                    containerStates[name] = new ContainerState(false, false, 0, false, failed ? 1 : 0, failed ? "Error" : "Completed");
                }
            }
        }

        WriteStatus(updated, pod, state, nodeName, phase, containerStates, now);
        if (!JsonTools.DeepEquals(updated["status"], pod["status"]))
        {
            Api.Replace(GroupVersionResource.Pods, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
        }
        if (again is { } delay) EnqueueAfter(key, delay < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : delay);
    }

    /// <summary>
    /// NodeStageVolume for every claim of the pod whose PersistentVolume's CSI driver has a node plugin, once per volume;
    /// null when all are staged, else the FailedMount message (kubelet's csi_attacher MountDevice wording).
    /// </summary>
    private async Task<string?> StageVolumesAsync(JsonObject pod, PodRuntime state, CancellationToken ct)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        foreach (var claim in pod.Arr("spec", "volumes")?.OfType<JsonObject>().Select(v => v.Str("persistentVolumeClaim", "claimName")).OfType<string>() ?? [])
        {
            var pvName = Rt.GetObject(GroupVersionResource.PersistentVolumeClaims, ns, claim).Str("spec", "volumeName");
            if (string.IsNullOrEmpty(pvName) || state.Staged.Contains(pvName)) continue;
            var pv = Rt.GetObject(GroupVersionResource.PersistentVolumes, null, pvName);
            if (pv.Str("spec", "csi", "driver") is not { } driver || Rt.CsiNodes.Find(driver) is not { } node) continue;
            var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
            if (pv.Obj("spec", "csi", "nodeStageSecretRef") is { } secretRef)
            {
                var secretName = secretRef.Str("name") ?? "";
                var secretNs = secretRef.Str("namespace") ?? "";
                var secret = Rt.GetObject(GroupVersionResource.Secrets, secretNs, secretName);
                if (secret is null)
                    return $"MountVolume.MountDevice failed for volume \"{pvName}\" : fetching NodeStageSecretRef {secretNs}/{secretName} failed: kubernetes.io/csi: failed to find the secret {secretName} in the namespace {secretNs} with error: secrets \"{secretName}\" not found";
                foreach (var (k, v) in secret.Obj("data") ?? [])
                    secrets[k] = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(v?.GetValue<string>() ?? ""));
            }
            try
            {
                await node.StageAsync(pv!, secrets, ct).ConfigureAwait(false);
            }
            catch (CsiNodeException e)
            {
                return $"MountVolume.MountDevice failed for volume \"{pvName}\" : rpc error: code = {e.Code} desc = {e.Message}";
            }
            state.Staged.Add(pvName);
        }
        state.MountProblem = null;
        return null;
    }

    /// <summary>What the kubelet reports while a pod's volumes cannot be mounted: Pending, containers waiting in ContainerCreating.</summary>
    private void WriteContainerCreating(ObjectRef key, JsonObject pod)
    {
        var updated = pod.CloneObject();
        var status = updated.Ensure("status");
        status["phase"] = "Pending";
        PodConditions.Set(updated, "Ready", "False", "ContainersNotReady", $"containers with unready status: [{string.Join(" ", Containers(pod).Select(c => c.Str("name")))}]", Rt.Now);
        status["containerStatuses"] = new JsonArray([.. Containers(pod).Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Str("name"),
            ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } },
            ["ready"] = false,
            ["restartCount"] = 0,
            ["image"] = c.Str("image"),
            ["imageID"] = "",
            ["started"] = false,
        })]);
        if (!JsonTools.DeepEquals(updated["status"], pod["status"]))
            Api.Replace(GroupVersionResource.Pods, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
    }

    private sealed record ContainerState(bool Ready, bool Started, int Restarts, bool Running, int? ExitCode, string? Reason);

    private void WriteStatus(JsonObject updated, JsonObject pod, PodRuntime state, string nodeName, string phase,
        Dictionary<string, ContainerState> containers, DateTimeOffset now)
    {
        var status = updated.Ensure("status");
        var terminal = phase is "Succeeded" or "Failed";
        var allReady = !terminal && containers.Values.All(c => c.Ready);
        var notReady = containers.Where(c => !c.Value.Ready).Select(c => c.Key).ToList();
        var startedTs = JsonTools.Timestamp(state.Started!.Value);

        status["phase"] = phase;
        PodConditions.Set(updated, "PodReadyToStartContainers", terminal ? "False" : "True", null, null, now);
        PodConditions.Set(updated, "Initialized", "True", null, null, now);
        var readyReason = terminal ? (phase == "Succeeded" ? "PodCompleted" : "PodFailed") : allReady ? null : "ContainersNotReady";
        var readyMessage = terminal || allReady ? null : $"containers with unready status: [{string.Join(" ", notReady)}]";
        PodConditions.Set(updated, "Ready", allReady ? "True" : "False", readyReason, readyMessage, now);
        PodConditions.Set(updated, "ContainersReady", allReady ? "True" : "False", readyReason, readyMessage, now);
        PodConditions.Set(updated, "PodScheduled", "True", null, null, now);
        var hostIp = HostIp(nodeName);
        status["hostIP"] = hostIp;
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = hostIp });
        status["podIP"] = state.PodIp;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = state.PodIp });
        status["startTime"] = JsonTools.Timestamp(state.Seen);

        if (pod.Arr("spec", "initContainers") is { Count: > 0 } inits)
        {
            var initStatuses = new JsonArray();
            foreach (var c in inits.OfType<JsonObject>())
            {
                var name = c.Str("name")!;
                initStatuses.Add(new JsonObject
                {
                    ["name"] = name,
                    ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 0, ["reason"] = "Completed", ["startedAt"] = startedTs, ["finishedAt"] = startedTs, ["containerID"] = ContainerId(state, "init-" + name) } },
                    ["lastState"] = new JsonObject(),
                    ["ready"] = true,
                    ["restartCount"] = 0,
                    ["image"] = c.Str("image"),
                    ["imageID"] = ImageId(c.Str("image") ?? ""),
                    ["containerID"] = ContainerId(state, "init-" + name),
                    ["started"] = false,
                });
            }
            status["initContainerStatuses"] = initStatuses;
        }

        var statuses = new JsonArray();
        foreach (var c in Containers(pod))
        {
            var name = c.Str("name")!;
            var s = containers[name];
            JsonObject current;
            var lastState = new JsonObject();
            if (s.Running)
            {
                current = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = startedTs } };
            }
            else if (s.Reason == "CrashLoopBackOff")
            {
                current = new JsonObject
                {
                    ["waiting"] = new JsonObject
                    {
                        ["reason"] = "CrashLoopBackOff",
                        ["message"] = $"back-off {BackOff(s.Restarts)} restarting failed container={name} pod={pod.Str("metadata", "name")}_{pod.Str("metadata", "namespace")}({pod.Str("metadata", "uid")})",
                    },
                };
                lastState = new JsonObject
                {
                    ["terminated"] = new JsonObject
                    {
                        ["exitCode"] = 1, ["reason"] = "Error", ["startedAt"] = JsonTools.Timestamp(now.AddSeconds(-1)), ["finishedAt"] = JsonTools.Timestamp(now), ["containerID"] = ContainerId(state, name + "-" + s.Restarts),
                    },
                };
            }
            else
            {
                current = new JsonObject
                {
                    ["terminated"] = new JsonObject
                    {
                        ["exitCode"] = s.ExitCode ?? 0, ["reason"] = s.Reason ?? "Completed", ["startedAt"] = startedTs, ["finishedAt"] = JsonTools.Timestamp(now), ["containerID"] = ContainerId(state, name),
                    },
                };
            }
            var entry = new JsonObject
            {
                ["name"] = name,
                ["state"] = current,
                ["lastState"] = lastState,
                ["ready"] = s.Ready && !(phase is "Succeeded" or "Failed"),
                ["restartCount"] = s.Restarts,
                ["image"] = c.Str("image"),
                ["imageID"] = ImageId(c.Str("image") ?? ""),
                ["containerID"] = ContainerId(state, s.Reason == "CrashLoopBackOff" ? name + "-" + s.Restarts : name),
                ["started"] = s.Started && s.Running,
            };
            if (pod.Obj("spec")?.Arr("containers")?.OfType<JsonObject>().FirstOrDefault(x => x.Str("name") == name)?.Obj("resources") is { Count: > 0 } res)
            {
                entry["resources"] = res.DeepClone();
            }
            statuses.Add(entry);
        }
        status["containerStatuses"] = statuses;
        if (pod.Str("status", "qosClass") is { } qos) status["qosClass"] = qos;
        // A clean status: drop scheduler-era fields that no longer apply.
        status.Remove("nominatedNodeName");
        if (!terminal) status.Remove("reason");
    }

    private Task TerminateAsync(ObjectRef key, JsonObject pod, PodRuntime state, DateTimeOffset now)
    {
        if (state.DeletionSeen is null)
        {
            state.DeletionSeen = now;
            if (pod.Str("status", "phase") is not ("Succeeded" or "Failed") && state.Started is not null)
            {
                foreach (var c in Containers(pod))
                {
                    Rt.Events.Record(pod, "Normal", "Killing", $"Stopping container {c.Str("name")}", "kubelet", pod.Str("spec", "nodeName"), $"spec.containers{{{c.Str("name")}}}");
                }
            }
        }
        var wait = state.DeletionSeen.Value + Rt.Options.PodTerminationDelay - now;
        if (wait > TimeSpan.Zero)
        {
            EnqueueAfter(key, wait);
            return Task.CompletedTask;
        }
        try
        {
            Api.Delete(GroupVersionResource.Pods, key.Namespace, key.Name,
                new DeleteOptions { GracePeriodSeconds = 0, PreconditionUid = pod.Str("metadata", "uid") }, new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code is 404 or 409)
        {
        }
        return Task.CompletedTask;
    }

    private PodBehavior Behavior(JsonObject pod, out string? crashContainer)
    {
        crashContainer = pod.Str("metadata", "annotations", PodBehaviorAnnotations.CrashContainer);
        if (PodBehaviorAnnotations.Parse(pod.Str("metadata", "annotations", PodBehaviorAnnotations.Behavior)) is { } fromAnnotation) return fromAnnotation;
        lock (Rt.Options.PodBehaviors)
        {
            foreach (var rule in Rt.Options.PodBehaviors)
            {
                if (!rule.Matches(pod)) continue;
                crashContainer ??= rule.Container;
                return rule.Behavior;
            }
        }
        return PodBehavior.Normal;
    }

    private TimeSpan RunTime(JsonObject pod)
    {
        var text = pod.Str("metadata", "annotations", PodBehaviorAnnotations.RunSeconds);
        return text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : Rt.Options.JobPodRunDuration;
    }

    private static IEnumerable<JsonObject> Containers(JsonObject pod) => pod.Arr("spec", "containers")?.OfType<JsonObject>() ?? [];

    private string AllocateIp(string nodeName)
    {
        var index = Rt.Options.NodeNames.IndexOf(nodeName);
        var n = nextIp.AddOrUpdate(nodeName, 2, (_, v) => v >= 254 ? 2 : v + 1);
        return $"10.244.{Math.Max(0, index)}.{n}";
    }

    private string HostIp(string nodeName) => ClusterBootstrap.NodeIp(Math.Max(0, Rt.Options.NodeNames.IndexOf(nodeName)));

    private static string ContainerId(PodRuntime state, string name)
    {
        if (!state.ContainerIds.TryGetValue(name, out var id))
        {
            id = "containerd://" + Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
            state.ContainerIds[name] = id;
        }
        return id;
    }

    private static string ImageId(string image)
    {
        var repo = image.Contains('@') ? image[..image.IndexOf('@')] : image.LastIndexOf(':') > image.LastIndexOf('/') ? image[..image.LastIndexOf(':')] : image;
        if (!repo.Contains('/')) repo = "docker.io/library/" + repo;
        else if (!repo.Split('/')[0].Contains('.')) repo = "docker.io/" + repo;
        var digest = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(image))).ToLowerInvariant();
        return $"{repo}@sha256:{digest}";
    }

    private static string BackOff(int restarts)
    {
        var seconds = Math.Min(300, 10 * (1 << Math.Min(restarts, 5)));
        return seconds >= 60 ? $"{seconds / 60}m{seconds % 60}s" : $"{seconds}s";
    }
}
