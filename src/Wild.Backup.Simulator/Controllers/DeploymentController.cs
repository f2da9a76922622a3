using System.Globalization;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The Deployment controller: one ReplicaSet per pod template ("&lt;deploy&gt;-&lt;pod-template-hash&gt;",
/// revision annotations), rolling replacement bounded by maxSurge/maxUnavailable (or Recreate),
/// history cleanup, and status (replicas, updated/ready/available/unavailable, observedGeneration,
/// Available and Progressing conditions including ProgressDeadlineExceeded), with ScalingReplicaSet events.
/// </summary>
internal sealed class DeploymentController : Controller
{
    public const string HashLabel = "pod-template-hash";
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public DeploymentController(ClusterRuntime rt) : base(rt, "deployment") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches =>
        [GroupVersionResource.Deployments.GroupResource, GroupVersionResource.ReplicaSets.GroupResource, GroupVersionResource.Pods.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        var deployments = GroupVersionResource.Deployments.GroupResource;
        if (e.Resource == deployments) return [Self(e)];
        var obj = (e.Object ?? e.Previous)!.Parse();
        var ns = obj.Str("metadata", "namespace")!;
        if (e.Resource == GroupVersionResource.ReplicaSets.GroupResource)
        {
            return Owners.Controller(obj) is ("Deployment", var d) ? [new ObjectRef(deployments, ns, d)] : [];
        }
        // Pods matter only when they go away (Recreate waits for old pods to be gone).
        if (e.Type != StoreEventType.Deleted || Owners.Controller(obj) is not ("ReplicaSet", var rsName)) return [];
        var rs = Rt.GetObject(GroupVersionResource.ReplicaSets, ns, rsName);
        return rs is not null && Owners.Controller(rs) is ("Deployment", var dn) ? [new ObjectRef(deployments, ns, dn)] : [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var d = Rt.GetObject(GroupVersionResource.Deployments, key.Namespace, key.Name);
        if (d is null || d.Str("metadata", "deletionTimestamp") is not null) return Task.CompletedTask;
        var now = Rt.Now;
        var desired = d.Long("spec", "replicas") ?? 1;
        var template = d.Obj("spec", "template") ?? new JsonObject();
        var hash = TemplateHash.Compute(template);
        var all = ReplicaSetsOf(d);
        var newRs = all.FirstOrDefault(rs => JsonTools.DeepEquals(TemplateHash.WithoutLabel(rs.Obj("spec", "template"), HashLabel), TemplateHash.WithoutLabel(template, HashLabel)));
        var old = all.Where(rs => rs != newRs).ToList();
        var maxRevision = all.Select(Revision).DefaultIfEmpty(0).Max();
        var paused = d.Bool("spec", "paused") == true;
        var rolling = d.Str("spec", "strategy", "type") != "Recreate";
        var (maxSurge, maxUnavailable) = rolling ? Bounds(d, desired) : (0, 0);
        string? progressReason = null;

        if (!paused)
        {
            if (newRs is null)
            {
                var initial = rolling ? NewReplicasForRolling(desired, maxSurge, all, 0) : old.Sum(Replicas) == 0 && OldPodsGone(key.Namespace, old) ? desired : 0;
                newRs = CreateReplicaSet(d, template, hash, initial, maxRevision + 1, desired + maxSurge);
                all.Add(newRs);
                progressReason = "NewReplicaSetCreated";
                if (initial > 0) Rt.Events.Record(d, "Normal", "ScalingReplicaSet", $"Scaled up replica set {newRs.Str("metadata", "name")} from 0 to {initial}", "deployment-controller");
            }
            else if (Revision(newRs) < maxRevision || newRs.Str("metadata", "annotations", RevisionAnnotation) is null)
            {
                newRs = Annotate(newRs, maxRevision + (Revision(newRs) < maxRevision ? 1 : 0), desired, desired + maxSurge);
            }

            if (rolling)
            {
                var target = NewReplicasForRolling(desired, maxSurge, all, Replicas(newRs));
                if (target != Replicas(newRs)) newRs = Scale(d, newRs, target, desired, desired + maxSurge);
                ScaleDownOld(d, newRs, old, desired, maxUnavailable);
            }
            else
            {
                foreach (var rs in old.Where(rs => Replicas(rs) > 0)) Scale(d, rs, 0, desired, desired);
                if (OldPodsGone(key.Namespace, old) && Replicas(newRs) != desired) newRs = Scale(d, newRs, desired, desired, desired);
            }
            Cleanup(d, old);
        }

        WriteStatus(key, d, newRs, ReplicaSetsOf(d), desired, maxUnavailable, progressReason, now);
        return Task.CompletedTask;
    }

    private List<JsonObject> ReplicaSetsOf(JsonObject d)
        => Rt.Store.List(GroupVersionResource.ReplicaSets.GroupResource, d.Str("metadata", "namespace")).Items.Select(r => r.Parse())
            .Where(r => Owners.IsControlledBy(r, d)).OrderBy(r => r.Str("metadata", "creationTimestamp"), StringComparer.Ordinal).ToList();

    private static long Replicas(JsonObject rs) => rs.Long("spec", "replicas") ?? 0;

    private static long Revision(JsonObject rs)
        => long.TryParse(rs.Str("metadata", "annotations", RevisionAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;

    /// <summary>maxSurge rounds up, maxUnavailable rounds down; both zero means maxUnavailable 1.</summary>
    private static (long Surge, long Unavailable) Bounds(JsonObject d, long desired)
    {
        long Resolve(JsonNode? v, string fallback, bool roundUp)
        {
            var text = v is null ? fallback : JsonTools.Display(v);
            if (text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct))
            {
                var raw = pct * desired / 100.0;
                return (long)(roundUp ? Math.Ceiling(raw) : Math.Floor(raw));
            }
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        }
        var surge = Resolve(d.Get("spec", "strategy", "rollingUpdate", "maxSurge"), "25%", true);
        var unavailable = Resolve(d.Get("spec", "strategy", "rollingUpdate", "maxUnavailable"), "25%", false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return (surge, unavailable);
    }

    private static long NewReplicasForRolling(long desired, long maxSurge, List<JsonObject> all, long current)
    {
        if (current > desired) return desired;
        var total = all.Sum(Replicas);
        var room = desired + maxSurge - total;
        if (room <= 0) return current;
        return Math.Min(desired, current + room);
    }

    private void ScaleDownOld(JsonObject d, JsonObject newRs, List<JsonObject> old, long desired, long maxUnavailable)
    {
        var oldTotal = old.Sum(Replicas);
        if (oldTotal == 0) return;
        var all = old.Append(newRs).ToList();
        var allPods = all.Sum(Replicas);
        var minAvailable = desired - maxUnavailable;
        var newUnavailable = Replicas(newRs) - (newRs.Long("status", "availableReplicas") ?? 0);
        var maxScaledDown = allPods - minAvailable - Math.Max(0, newUnavailable);
        if (maxScaledDown <= 0) return;
        // First remove unhealthy old replicas, then scale the oldest sets down.
        foreach (var rs in old.Where(r => Replicas(r) > 0))
        {
            if (maxScaledDown <= 0) break;
            var unhealthy = Replicas(rs) - (rs.Long("status", "availableReplicas") ?? 0);
            var cut = Math.Min(Math.Max(0, unhealthy), maxScaledDown);
            if (cut > 0)
            {
                Scale(d, rs, Replicas(rs) - cut, desired, desired);
                rs.Ensure("spec")["replicas"] = Replicas(rs) - cut;
                maxScaledDown -= cut;
            }
        }
        var available = all.Sum(r => r.Long("status", "availableReplicas") ?? 0);
        var canRemove = available - minAvailable;
        foreach (var rs in old.Where(r => Replicas(r) > 0))
        {
            if (canRemove <= 0) break;
            var cut = Math.Min(Replicas(rs), canRemove);
            Scale(d, rs, Replicas(rs) - cut, desired, desired);
            canRemove -= cut;
        }
    }

    private bool OldPodsGone(string ns, List<JsonObject> old)
    {
        if (old.Count == 0) return true;
        var uids = old.Select(r => r.Str("metadata", "uid")).ToHashSet();
        return !Rt.Store.List(GroupVersionResource.Pods.GroupResource, ns).Items.Any(p => uids.Contains(Owners.ControllerUid(p.Parse())));
    }

    private JsonObject CreateReplicaSet(JsonObject d, JsonObject template, string hash, long replicas, long revision, long maxReplicas)
    {
        var name = $"{d.Str("metadata", "name")}-{hash}";
        var rsTemplate = template.CloneObject();
        rsTemplate.Ensure("metadata", "labels")[HashLabel] = hash;
        var selector = d.Obj("spec", "selector")!.CloneObject();
        selector.Ensure("matchLabels")[HashLabel] = hash;
        var labels = template.Obj("metadata", "labels")?.CloneObject() ?? new JsonObject();
        labels[HashLabel] = hash;
        var spec = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = rsTemplate };
        if (d.Long("spec", "minReadySeconds") is { } mrs) spec["minReadySeconds"] = mrs;
        var rs = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = labels,
                ["annotations"] = Annotations(revision, d.Long("spec", "replicas") ?? 1, maxReplicas),
                ["ownerReferences"] = new JsonArray(Owners.ControllerRef(d)),
            },
            ["spec"] = spec,
        };
        try
        {
            return Api.Create(GroupVersionResource.ReplicaSets, d.Str("metadata", "namespace"), rs, Write, new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
            // Exists from an earlier attempt (or a hash collision with a foreign set): use it.
            var existing = Rt.GetObject(GroupVersionResource.ReplicaSets, d.Str("metadata", "namespace"), name);
            if (existing is null) throw;
            return existing;
        }
    }

    private static JsonObject Annotations(long revision, long desired, long max) => new()
    {
        ["deployment.kubernetes.io/desired-replicas"] = desired.ToString(CultureInfo.InvariantCulture),
        ["deployment.kubernetes.io/max-replicas"] = max.ToString(CultureInfo.InvariantCulture),
        [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
    };

    private JsonObject Annotate(JsonObject rs, long revision, long desired, long max)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = Annotations(revision, desired, max) } };
        return Api.Patch(GroupVersionResource.ReplicaSets, rs.Str("metadata", "namespace"), rs.Str("metadata", "name")!, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
    }

    private JsonObject Scale(JsonObject d, JsonObject rs, long replicas, long desired, long max)
    {
        var from = Replicas(rs);
        if (from == replicas) return rs;
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["annotations"] = new JsonObject
                {
                    ["deployment.kubernetes.io/desired-replicas"] = desired.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/max-replicas"] = max.ToString(CultureInfo.InvariantCulture),
                },
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas },
        };
        var result = Api.Patch(GroupVersionResource.ReplicaSets, rs.Str("metadata", "namespace"), rs.Str("metadata", "name")!, PatchType.Merge, patch.ToJson(), null, Write, new RequestInfo());
        var direction = replicas > from ? "up" : "down";
        Rt.Events.Record(d, "Normal", "ScalingReplicaSet", $"Scaled {direction} replica set {rs.Str("metadata", "name")} from {from} to {replicas}", "deployment-controller");
        return result;
    }

    private void Cleanup(JsonObject d, List<JsonObject> old)
    {
        var limit = d.Long("spec", "revisionHistoryLimit") ?? 10;
        var idle = old.Where(r => Replicas(r) == 0 && (r.Long("status", "replicas") ?? 0) == 0).OrderBy(Revision).ToList();
        foreach (var rs in idle.Take(Math.Max(0, idle.Count - (int)limit)))
        {
            try
            {
                Api.Delete(GroupVersionResource.ReplicaSets, rs.Str("metadata", "namespace"), rs.Str("metadata", "name")!, new DeleteOptions(), new RequestInfo());
            }
            catch (KubeApiException e) when (e.Code == 404)
            {
            }
        }
    }

    private void WriteStatus(ObjectRef key, JsonObject d, JsonObject? newRs, List<JsonObject> all, long desired, long maxUnavailable, string? progressReason, DateTimeOffset now)
    {
        var updated = d.CloneObject();
        var status = updated.Ensure("status");
        var oldStatus = d.Obj("status")?.CloneObject() ?? new JsonObject();
        var replicas = all.Sum(r => r.Long("status", "replicas") ?? 0);
        var updatedReplicas = newRs?.Long("status", "replicas") ?? 0;
        var ready = all.Sum(r => r.Long("status", "readyReplicas") ?? 0);
        var available = all.Sum(r => r.Long("status", "availableReplicas") ?? 0);
        var unavailable = Math.Max(0, all.Sum(Replicas) - available);
        status["observedGeneration"] = d.Long("metadata", "generation") ?? 1;
        SetCount(status, "replicas", replicas);
        SetCount(status, "updatedReplicas", updatedReplicas);
        SetCount(status, "readyReplicas", ready);
        SetCount(status, "availableReplicas", available);
        SetCount(status, "unavailableReplicas", unavailable);

        if (available >= desired - maxUnavailable)
        {
            PodConditions.Set(updated, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now, withProbeTime: false, withUpdateTime: true);
        }
        else
        {
            PodConditions.Set(updated, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now, withProbeTime: false, withUpdateTime: true);
        }

        var rsName = newRs?.Str("metadata", "name") ?? "";
        var complete = newRs is not null && updatedReplicas == desired && available == desired && replicas == desired
                       && (newRs.Long("status", "availableReplicas") ?? 0) == desired;
        var progressed = !JsonTools.DeepEquals(oldStatus["updatedReplicas"], status["updatedReplicas"])
                         || !JsonTools.DeepEquals(oldStatus["readyReplicas"], status["readyReplicas"])
                         || !JsonTools.DeepEquals(oldStatus["availableReplicas"], status["availableReplicas"])
                         || !JsonTools.DeepEquals(oldStatus["replicas"], status["replicas"]);
        var deadline = d.Long("spec", "progressDeadlineSeconds") ?? 600;
        var progressing = updated.Arr("status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "Progressing");
        if (progressReason == "NewReplicaSetCreated")
        {
            PodConditions.Set(updated, "Progressing", "True", "NewReplicaSetCreated", $"Created new replica set \"{rsName}\"", now, withProbeTime: false, withUpdateTime: true);
        }
        else if (d.Bool("spec", "paused") == true)
        {
            PodConditions.Set(updated, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now, withProbeTime: false, withUpdateTime: true);
        }
        else if (complete)
        {
            PodConditions.Set(updated, "Progressing", "True", "NewReplicaSetAvailable", $"ReplicaSet \"{rsName}\" has successfully progressed.", now, withProbeTime: false, withUpdateTime: true);
        }
        else if (progressed || progressing is null || progressing.Str("reason") is "NewReplicaSetAvailable" or "DeploymentPaused")
        {
            PodConditions.Set(updated, "Progressing", "True", "ReplicaSetUpdated", $"ReplicaSet \"{rsName}\" is progressing.", now, withProbeTime: false, withUpdateTime: true);
            var p = updated.Arr("status", "conditions")!.OfType<JsonObject>().First(c => c.Str("type") == "Progressing");
            p["lastUpdateTime"] = JsonTools.Timestamp(now);
        }
        else if (progressing.Str("reason") != "ProgressDeadlineExceeded")
        {
            var last = JsonTools.ParseTimestamp(progressing.Str("lastUpdateTime")) ?? now;
            var due = last.AddSeconds(deadline);
            if (now >= due)
            {
                PodConditions.Set(updated, "Progressing", "False", "ProgressDeadlineExceeded", $"ReplicaSet \"{rsName}\" has timed out progressing.", now, withProbeTime: false, withUpdateTime: true);
                Rt.Events.Record(d, "Warning", "ProgressDeadlineExceeded", $"Deployment \"{key.Name}\" has timed out progressing.", "deployment-controller");
            }
            else
            {
                EnqueueAfter(key, due - now + TimeSpan.FromMilliseconds(50));
            }
        }
        if (!complete && d.Bool("spec", "paused") != true && updated.Arr("status", "conditions")?.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "Progressing") is { } pc
            && pc.Str("reason") == "ReplicaSetUpdated")
        {
            var last = JsonTools.ParseTimestamp(pc.Str("lastUpdateTime")) ?? now;
            EnqueueAfter(key, last.AddSeconds(deadline) - now + TimeSpan.FromMilliseconds(50));
        }
        if (!JsonTools.DeepEquals(updated["status"], d["status"]))
        {
            Api.Replace(GroupVersionResource.Deployments, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
        }
    }

    private static void SetCount(JsonObject status, string field, long value)
    {
        if (value == 0) status.Remove(field);
        else status[field] = value;
    }
}
