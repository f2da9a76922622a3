using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Resources.Kinds;

/// <summary>
/// PersistentVolumeClaims: default StorageClass and pvc-protection finalizer (admission), Pending
/// status, required access modes and size, and the immutable spec (only growing the storage request
/// of a bound claim whose class allows expansion, and setting volumeName once).
/// </summary>
internal sealed class PvcStrategy : ResourceStrategy
{
    public const string ProtectionFinalizer = "kubernetes.io/pvc-protection";
    private static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        SetDefault(obj.Ensure("spec"), "volumeMode", "Filesystem");
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        // DefaultStorageClass admission: only when the field is absent (an explicit "" means no class).
        if (!spec.ContainsKey("storageClassName") && ctx.Runtime.DefaultStorageClassName() is { } sc)
        {
            spec["storageClassName"] = sc;
        }
        obj["status"] = new JsonObject { ["phase"] = "Pending" };
        AddFinalizer(obj, ProtectionFinalizer);
    }

    internal static void AddFinalizer(JsonObject obj, string finalizer)
    {
        var finalizers = obj.Ensure("metadata")["finalizers"] as JsonArray ?? new JsonArray();
        if (!finalizers.Any(f => JsonTools.Display(f) == finalizer)) finalizers.Add(finalizer);
        obj.Ensure("metadata")["finalizers"] = finalizers;
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
        => ValidateSpec(obj.Obj("spec"), "spec", errors);

    internal static void ValidateSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        var modes = spec?.Arr("accessModes");
        if (modes is null || modes.Count == 0)
        {
            errors.Add(FieldError.Required($"{path}.accessModes", "at least 1 access mode is required"));
        }
        else
        {
            foreach (var m in modes.Select(JsonTools.Display).Where(m => !AccessModes.Contains(m)))
            {
                errors.Add(FieldError.NotSupported($"{path}.accessModes", m, AccessModes));
            }
        }
        var storage = spec.Str("resources", "requests", "storage");
        if (storage is null)
        {
            errors.Add(FieldError.Required($"{path}.resources[storage]", ""));
        }
        else if (Quantity.Parse(storage) is not { } q)
        {
            errors.Add(FieldError.Invalid($"{path}.resources.requests[storage]", storage, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
        }
        else if (q <= 0)
        {
            errors.Add(FieldError.Invalid($"{path}.resources.requests[storage]", storage, "must be greater than zero"));
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        var a = (obj.Obj("spec") ?? new JsonObject()).CloneObject();
        var b = (old.Obj("spec") ?? new JsonObject()).CloneObject();
        // volumeName may be set once (by the binder).
        if (string.IsNullOrEmpty(b.Str("volumeName")))
        {
            b.Remove("volumeName");
            if (a["volumeName"] is { } vn) b["volumeName"] = vn.DeepClone();
        }
        var newSize = Quantity.Parse(a.Str("resources", "requests", "storage"));
        var oldSize = Quantity.Parse(b.Str("resources", "requests", "storage"));
        a.Obj("resources", "requests")?.Remove("storage");
        b.Obj("resources", "requests")?.Remove("storage");
        a.Remove("volumeAttributesClassName");
        b.Remove("volumeAttributesClassName");
        if (!JsonTools.DeepEquals(a, b))
        {
            errors.Add(FieldError.Forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
            return;
        }
        if (newSize is { } n && oldSize is { } o && n != o)
        {
            if (n < o)
            {
                errors.Add(FieldError.Forbidden("spec.resources.requests.storage", "field can not be less than previous value"));
                return;
            }
            var bound = old.Str("status", "phase") == "Bound";
            var className = old.Str("spec", "storageClassName");
            var sc = string.IsNullOrEmpty(className) ? null : ctx.Runtime.GetObject(GroupVersionResource.StorageClasses, null, className);
            if (!bound || sc?.Bool("allowVolumeExpansion") != true)
            {
                errors.Add(FieldError.Forbidden("spec.resources.requests.storage", "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize"));
            }
        }
    }

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;
}

/// <summary>
/// PersistentVolumes: Retain by default, pv-protection finalizer, exactly one volume source,
/// immutable source after creation.
/// </summary>
internal sealed class PvStrategy : ResourceStrategy
{
    public const string ProtectionFinalizer = "kubernetes.io/pv-protection";

    private static readonly string[] Sources =
    [
        "csi", "hostPath", "local", "nfs", "iscsi", "fc", "rbd", "cephfs", "gcePersistentDisk", "awsElasticBlockStore",
        "azureDisk", "azureFile", "cinder", "flexVolume", "glusterfs", "portworxVolume", "photonPersistentDisk",
        "quobyte", "scaleIO", "storageos", "vsphereVolume", "flocker",
    ];

    public override void ApplyDefaults(JsonObject obj, StrategyContext ctx)
    {
        var spec = obj.Ensure("spec");
        SetDefault(spec, "persistentVolumeReclaimPolicy", "Retain");
        SetDefault(spec, "volumeMode", "Filesystem");
    }

    public override void PrepareForCreate(JsonObject obj, StrategyContext ctx)
    {
        obj["status"] = new JsonObject { ["phase"] = "Pending" };
        PvcStrategy.AddFinalizer(obj, ProtectionFinalizer);
    }

    public override void Validate(JsonObject obj, List<FieldError> errors, StrategyContext ctx)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        if (spec.Str("capacity", "storage") is null) errors.Add(FieldError.Required("spec.capacity", ""));
        if (spec.Arr("accessModes") is not { Count: > 0 }) errors.Add(FieldError.Required("spec.accessModes", ""));
        var sources = Sources.Count(s => spec[s] is not null);
        if (sources == 0) errors.Add(FieldError.Required("spec", "must specify a volume type"));
        else if (sources > 1) errors.Add(FieldError.Forbidden("spec", "may not specify more than 1 volume type"));
        if (spec.Str("persistentVolumeReclaimPolicy") is { } rp && rp is not ("Delete" or "Retain" or "Recycle"))
        {
            errors.Add(FieldError.NotSupported("spec.persistentVolumeReclaimPolicy", rp, ["Delete", "Recycle", "Retain"]));
        }
    }

    public override void ValidateUpdate(JsonObject obj, JsonObject old, List<FieldError> errors, StrategyContext ctx)
    {
        foreach (var s in Sources)
        {
            if (!JsonTools.DeepEquals(obj.Get("spec", s), old.Get("spec", s)))
            {
                errors.Add(FieldError.Forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
                break;
            }
        }
        Immutable(obj.Get("spec", "volumeMode"), old.Get("spec", "volumeMode"), "spec.volumeMode", errors);
        if (old.Get("spec", "nodeAffinity") is not null) Immutable(obj.Get("spec", "nodeAffinity"), old.Get("spec", "nodeAffinity"), "spec.nodeAffinity", errors);
    }

    public override bool SpecChanged(JsonObject obj, JsonObject old, StrategyContext ctx) => false;
}
