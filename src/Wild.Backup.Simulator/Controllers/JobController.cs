using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// The Job controller: runs up to parallelism pods until completions succeed (SuccessCriteriaMet and
/// Complete conditions, completionTime, Completed event) or failures exceed backoffLimit / the
/// active deadline passes (FailureTarget and Failed conditions, remaining pods deleted); suspend
/// stops pods. Status active/ready/succeeded/failed/terminating/startTime.
/// </summary>
internal sealed class JobController : Controller
{
    public JobController(ClusterRuntime rt) : base(rt, "job") { }

    protected override string FieldManager => "kube-controller-manager";

    protected override IEnumerable<GroupResource?> Watches => [GroupVersionResource.Jobs.GroupResource, GroupVersionResource.Pods.GroupResource];

    protected override IEnumerable<ObjectRef> KeysFor(StoreEvent e)
    {
        if (e.Resource == GroupVersionResource.Jobs.GroupResource) return [Self(e)];
        var pod = (e.Object ?? e.Previous)!.Parse();
        return Owners.Controller(pod) is ("Job", var name) ? [new ObjectRef(GroupVersionResource.Jobs.GroupResource, pod.Str("metadata", "namespace")!, name)] : [];
    }

    protected override Task ReconcileAsync(ObjectRef key, CancellationToken cancellationToken)
    {
        var job = Rt.GetObject(GroupVersionResource.Jobs, key.Namespace, key.Name);
        if (job is null || job.Str("metadata", "deletionTimestamp") is not null) return Task.CompletedTask;
        if (PodConditions.Status(job, "Complete") == "True" || PodConditions.Status(job, "Failed") == "True") return Task.CompletedTask;
        var now = Rt.Now;
        var pods = Rt.Store.List(GroupVersionResource.Pods.GroupResource, key.Namespace).Items.Select(p => p.Parse())
            .Where(p => Owners.IsControlledBy(p, job)).ToList();
        var succeeded = pods.Count(p => p.Str("status", "phase") == "Succeeded");
        var failedPods = pods.Count(p => p.Str("status", "phase") == "Failed");
        var restarts = pods.Where(p => p.Str("spec", "restartPolicy") == "OnFailure")
            .Sum(p => p.Arr("status", "containerStatuses")?.Sum(c => c.Long("restartCount") ?? 0) ?? 0);
        var failed = failedPods + restarts;
        var active = pods.Where(PodConditions.IsActive).ToList();
        var terminating = pods.Count(p => p.Str("metadata", "deletionTimestamp") is not null);
        var completions = job.Long("spec", "completions");
        var parallelism = job.Long("spec", "parallelism") ?? 1;
        var backoffLimit = job.Long("spec", "backoffLimit") ?? 6;
        var suspended = job.Bool("spec", "suspend") == true;

        var updated = job.CloneObject();
        var status = updated.Ensure("status");
        if (status["startTime"] is null && !suspended) status["startTime"] = JsonTools.Timestamp(now);
        var start = JsonTools.ParseTimestamp(status.Str("startTime"));

        string? failReason = null, failMessage = null;
        if (failed > backoffLimit)
        {
            failReason = "BackoffLimitExceeded";
            failMessage = "Job has reached the specified backoff limit";
        }
        else if (job.Long("spec", "activeDeadlineSeconds") is { } deadline && start is { } s)
        {
            if (now >= s.AddSeconds(deadline))
            {
                failReason = "DeadlineExceeded";
                failMessage = "Job was active longer than specified deadline";
            }
            else
            {
                EnqueueAfter(key, s.AddSeconds(deadline) - now);
            }
        }

        if (failReason is not null)
        {
            foreach (var p in active) DeletePod(p);
            PodConditions.Set(updated, "FailureTarget", "True", failReason, failMessage, now);
            PodConditions.Set(updated, "Failed", "True", failReason, failMessage, now);
            Rt.Events.Record(job, "Warning", failReason, failMessage!, "job-controller");
            active.Clear();
        }
        else if (completions is { } c && succeeded >= c)
        {
            PodConditions.Set(updated, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
            PodConditions.Set(updated, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
            status["completionTime"] = JsonTools.Timestamp(now);
            Rt.Events.Record(job, "Normal", "Completed", "Job completed", "job-controller");
        }
        else if (completions is null && succeeded > 0 && active.Count == 0)
        {
            PodConditions.Set(updated, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
            PodConditions.Set(updated, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now);
            status["completionTime"] = JsonTools.Timestamp(now);
            Rt.Events.Record(job, "Normal", "Completed", "Job completed", "job-controller");
        }
        else if (suspended)
        {
            foreach (var p in active) DeletePod(p);
            active.Clear();
            PodConditions.Set(updated, "Suspended", "True", "JobSuspended", "Job suspended", now);
        }
        else
        {
            if (PodConditions.Status(updated, "Suspended") == "True")
            {
                PodConditions.Set(updated, "Suspended", "False", "JobResumed", "Job resumed", now);
            }
            var want = completions is { } cc ? Math.Min(parallelism, cc - succeeded) : (succeeded > 0 ? 0 : parallelism);
            for (var i = active.Count; i < want; i++)
            {
                try
                {
                    var pod = ReplicaSetController.PodFromTemplate(job, $"{key.Name}-{ClusterRuntime.RandomSuffix()}");
                    var created = Api.Create(GroupVersionResource.Pods, key.Namespace, pod, Write, new RequestInfo());
                    Rt.Events.Record(job, "Normal", "SuccessfulCreate", $"Created pod: {created.Str("metadata", "name")}", "job-controller");
                    active.Add(created);
                }
                catch (KubeApiException e) when (e.Code is 403 or 422 or 404)
                {
                    Rt.Events.Record(job, "Warning", "FailedCreate", $"Error creating: {e.Message}", "job-controller");
                    EnqueueAfter(key, TimeSpan.FromSeconds(1));
                    break;
                }
            }
        }

        status["active"] = active.Count;
        status["ready"] = active.Count(PodConditions.IsReady);
        status["terminating"] = terminating;
        if (succeeded > 0) status["succeeded"] = succeeded; else status.Remove("succeeded");
        if (failed > 0) status["failed"] = failed; else status.Remove("failed");
        if (active.Count == 0) status.Remove("active");
        status["uncountedTerminatedPods"] = new JsonObject();
        if (!JsonTools.DeepEquals(updated["status"], job["status"]))
        {
            Api.Replace(GroupVersionResource.Jobs, key.Namespace, key.Name, updated, "status", Write, new RequestInfo());
        }
        return Task.CompletedTask;
    }

    private void DeletePod(JsonObject pod)
    {
        try
        {
            Api.Delete(GroupVersionResource.Pods, pod.Str("metadata", "namespace"), pod.Str("metadata", "name")!, new DeleteOptions(), new RequestInfo());
        }
        catch (KubeApiException e) when (e.Code == 404)
        {
        }
    }
}
