using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Selectors;

namespace Wild.Backup.Simulator.Resources.Kinds;

/// <summary>
/// apps/v1 workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet): required selector that matches
/// the template labels, pod template defaults, immutable selector, status reset on create.
/// </summary>
internal class WorkloadStrategy : ResourceStrategy
{
    private readonly string kind;

    public WorkloadStrategy(string kind) => this.kind = kind;

    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        if (spec.Obj("template", "spec") is { } podSpec) PodSpecRules.ApplyDefaults(podSpec);
        switch (kind)
        {
            case "Deployment":
                SetDefault(spec, "replicas", 1);
                SetDefault(spec, "revisionHistoryLimit", 10);
                SetDefault(spec, "progressDeadlineSeconds", 600);
                if (spec["strategy"] is null) spec["strategy"] = new JsonObject { ["type"] = "RollingUpdate" };
                if (spec.Obj("strategy") is { } strategy && strategy.Str("type") is null or "RollingUpdate")
                {
                    strategy["type"] = "RollingUpdate";
                    var ru = strategy.Ensure("rollingUpdate");
                    SetDefault(ru, "maxUnavailable", "25%");
                    SetDefault(ru, "maxSurge", "25%");
                }
                break;
            case "ReplicaSet":
                SetDefault(spec, "replicas", 1);
                break;
            case "StatefulSet":
                SetDefault(spec, "replicas", 1);
                SetDefault(spec, "podManagementPolicy", "OrderedReady");
                SetDefault(spec, "revisionHistoryLimit", 10);
                if (spec["updateStrategy"] is null) spec["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate" };
                if (spec.Obj("updateStrategy") is { } us && us.Str("type") is null or "RollingUpdate")
                {
                    us["type"] = "RollingUpdate";
                    SetDefault(us.Ensure("rollingUpdate"), "partition", 0);
                }
                SetDefault(spec, "persistentVolumeClaimRetentionPolicy", new JsonObject { ["whenDeleted"] = "Retain", ["whenScaled"] = "Retain" });
                if (spec["volumeClaimTemplates"] is JsonArray templates)
                {
                    foreach (var t in templates.OfType<JsonObject>())
                    {
                        SetDefault(t, "apiVersion", "v1");
                        SetDefault(t, "kind", "PersistentVolumeClaim");
                        SetDefault(t.Ensure("spec"), "volumeMode", "Filesystem");
                        SetDefault(t, "status", new JsonObject { ["phase"] = "Pending" });
                    }
                }
                break;
            case "DaemonSet":
                SetDefault(spec, "revisionHistoryLimit", 10);
                if (spec["updateStrategy"] is null) spec["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate" };
                if (spec.Obj("updateStrategy") is { } dus && dus.Str("type") is null or "RollingUpdate")
                {
                    dus["type"] = "RollingUpdate";
                    var ru = dus.Ensure("rollingUpdate");
                    SetDefault(ru, "maxUnavailable", 1);
                    SetDefault(ru, "maxSurge", 0);
                }
                break;
        }
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        obj.Remove("status");
        if (kind == "DaemonSet") obj.Ensure("spec")["templateGeneration"] = 1;
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old, StrategyContext ctx)
    {
        if (kind == "DaemonSet")
        {
            var gen = old.Long("spec", "templateGeneration") ?? 1;
            if (!JsonTools.DeepEquals(obj.Get("spec", "template"), old.Get("spec", "template"))) gen++;
            obj.Ensure("spec")["templateGeneration"] = gen;
        }
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var spec = obj.Obj("spec");
        if (spec is null)
        {
            errors.Add(FieldError.Required("spec", ""));
            return;
        }
        if (spec["replicas"] is { } r && (r.Long() is not { } n || n < 0))
        {
            errors.Add(FieldError.InvalidRaw("spec.replicas", JsonTools.Display(r), "must be greater than or equal to 0"));
        }
        ValidateSelectorAndTemplate(spec, errors);
        // A StatefulSet's containers may mount its volumeClaimTemplates.
        var claimNames = kind == "StatefulSet" ? spec.Arr("volumeClaimTemplates")?.Select(t => t.Str("metadata", "name") ?? "").ToList() : null;
        PodSpecRules.Validate(spec.Obj("template", "spec"), "spec.template.spec", isPod: false, errors,
            kind is "Deployment" or "ReplicaSet" or "StatefulSet" or "DaemonSet" ? ["Always"] : null, claimNames);
        if (kind == "StatefulSet" && spec["volumeClaimTemplates"] is JsonArray vcts)
        {
            for (var i = 0; i < vcts.Count; i++)
            {
                if (string.IsNullOrEmpty(vcts[i].Str("metadata", "name"))) errors.Add(FieldError.Required($"spec.volumeClaimTemplates[{i}].metadata.name", ""));
                PvcStrategy.ValidateSpec(vcts[i].Obj("spec"), $"spec.volumeClaimTemplates[{i}].spec", errors);
            }
        }
        if (kind == "Deployment" && spec.Str("strategy", "type") is { } st && st is not ("RollingUpdate" or "Recreate"))
        {
            errors.Add(FieldError.NotSupported("spec.strategy.type", st, ["Recreate", "RollingUpdate"]));
        }
        if (kind == "Deployment" && spec.Str("strategy", "type") == "Recreate" && spec.Get("strategy", "rollingUpdate") is not null)
        {
            errors.Add(FieldError.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
        }
    }

    internal static void ValidateSelectorAndTemplate(JsonObject spec, List<FieldError> errors)
    {
        var selectorNode = spec["selector"];
        if (selectorNode is not JsonObject selector)
        {
            errors.Add(FieldError.Required("spec.selector", ""));
            return;
        }
        var parsed = LabelSelector.FromJson(selector);
        if (parsed.IsEmpty)
        {
            errors.Add(FieldError.InvalidRaw("spec.selector", selector.ToJson(), "empty selector is invalid for deployment"));
            return;
        }
        var templateLabels = spec.Get("template", "metadata", "labels");
        if (!parsed.Matches(templateLabels.StringMap()))
        {
            errors.Add(FieldError.InvalidRaw("spec.template.metadata.labels", PodSpecRules.GoMap(templateLabels), "`selector` does not match template `labels`"));
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        Immutable(obj.Get("spec", "selector"), old.Get("spec", "selector"), "spec.selector", errors);
        if (kind == "StatefulSet")
        {
            var a = (obj.Obj("spec") ?? new JsonObject()).CloneObject();
            var b = (old.Obj("spec") ?? new JsonObject()).CloneObject();
            foreach (var s in new[] { a, b })
            {
                foreach (var f in new[] { "replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds" }) s.Remove(f);
            }
            if (!JsonTools.DeepEquals(a, b))
            {
                errors.Add(FieldError.Forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
            }
        }
    }
}

/// <summary>batch/v1 Job: generated selector and template labels, OnFailure/Never restart policy, immutable template.</summary>
internal sealed class JobStrategy : ResourceStrategy
{
    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        if (spec.Obj("template", "spec") is { } podSpec)
        {
            var hadRestart = podSpec["restartPolicy"] is not null;
            PodSpecRules.ApplyDefaults(podSpec);
            if (!hadRestart) podSpec.Remove("restartPolicy");
        }
        if (spec["completions"] is null && spec["parallelism"] is null) spec["completions"] = 1;
        SetDefault(spec, "parallelism", 1);
        SetDefault(spec, "backoffLimit", 6);
        SetDefault(spec, "completionMode", "NonIndexed");
        SetDefault(spec, "suspend", false);
        SetDefault(spec, "podReplacementPolicy", "TerminatingOrFailed");
        SetDefault(spec, "manualSelector", false);
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        obj.Remove("status");
        var spec = obj.Ensure("spec");
        if (spec.Bool("manualSelector") == true) return;
        var uid = obj.Str("metadata", "uid")!;
        var name = obj.Str("metadata", "name")!;
        if (spec["selector"] is not null)
        {
            return; // rejected by Validate (selector not auto-generated)
        }
        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["batch.kubernetes.io/controller-uid"] = uid } };
        var labels = spec.Ensure("template", "metadata", "labels");
        labels["batch.kubernetes.io/controller-uid"] = uid;
        labels["batch.kubernetes.io/job-name"] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var spec = obj.Obj("spec");
        if (spec is null)
        {
            errors.Add(FieldError.Required("spec", ""));
            return;
        }
        if (spec.Bool("manualSelector") != true)
        {
            var uid = obj.Str("metadata", "uid");
            var generated = spec.Get("selector", "matchLabels", "batch.kubernetes.io/controller-uid") is { } v && JsonTools.Display(v) == uid;
            if (!generated && spec["selector"] is not null)
            {
                errors.Add(FieldError.InvalidRaw("spec.selector", spec["selector"].ToJson(), "`selector` not auto-generated"));
            }
        }
        WorkloadStrategy.ValidateSelectorAndTemplate(spec, errors);
        var restart = spec.Str("template", "spec", "restartPolicy");
        if (restart is not ("OnFailure" or "Never"))
        {
            errors.Add(FieldError.Required("spec.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\""));
        }
        PodSpecRules.Validate(spec.Obj("template", "spec"), "spec.template.spec", isPod: false, errors, ["OnFailure", "Never"]);
        foreach (var f in new[] { "parallelism", "completions", "backoffLimit" })
        {
            if (spec.Long(f) is < 0) errors.Add(FieldError.InvalidRaw($"spec.{f}", spec.Long(f).ToString()!, "must be greater than or equal to 0"));
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        Immutable(obj.Get("spec", "selector"), old.Get("spec", "selector"), "spec.selector", errors);
        Immutable(obj.Get("spec", "template"), old.Get("spec", "template"), "spec.template", errors);
        Immutable(obj.Get("spec", "completions"), old.Get("spec", "completions"), "spec.completions", errors);
        Immutable(obj.Get("spec", "completionMode"), old.Get("spec", "completionMode"), "spec.completionMode", errors);
    }
}

/// <summary>batch/v1 CronJob: defaults, schedule required, template checks.</summary>
internal sealed class CronJobStrategy : ResourceStrategy
{
    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        SetDefault(spec, "concurrencyPolicy", "Allow");
        SetDefault(spec, "suspend", false);
        SetDefault(spec, "successfulJobsHistoryLimit", 3);
        SetDefault(spec, "failedJobsHistoryLimit", 1);
        if (spec.Obj("jobTemplate", "spec", "template", "spec") is { } podSpec)
        {
            var hadRestart = podSpec["restartPolicy"] is not null;
            PodSpecRules.ApplyDefaults(podSpec);
            if (!hadRestart) podSpec.Remove("restartPolicy");
        }
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx) => obj.Remove("status");

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var schedule = obj.Str("spec", "schedule");
        if (string.IsNullOrEmpty(schedule))
        {
            errors.Add(FieldError.Required("spec.schedule", ""));
        }
        else if (!schedule.StartsWith('@') && schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5)
        {
            errors.Add(FieldError.Invalid("spec.schedule", schedule, $"expected exactly 5 fields, found {schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length}: {schedule}"));
        }
        var restart = obj.Str("spec", "jobTemplate", "spec", "template", "spec", "restartPolicy");
        if (restart is not ("OnFailure" or "Never"))
        {
            errors.Add(FieldError.Required("spec.jobTemplate.spec.template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\""));
        }
        PodSpecRules.Validate(obj.Obj("spec", "jobTemplate", "spec", "template", "spec"), "spec.jobTemplate.spec.template.spec", isPod: false, errors, ["OnFailure", "Never"]);
    }
}
