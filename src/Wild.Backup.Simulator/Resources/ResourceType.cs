using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Resources;

/// <summary>Which name rule metadata.name must satisfy (apimachinery/pkg/api/validation/path and util/validation).</summary>
internal enum NameRule
{
    /// <summary>RFC 1123 subdomain (most kinds).</summary>
    Subdomain,

    /// <summary>RFC 1123 label (Namespace).</summary>
    Label,

    /// <summary>RFC 1035 label (Service).</summary>
    Dns1035Label,

    /// <summary>Only path-segment rules (no "/" or "%", not "." or ".."): Events, custom resources.</summary>
    PathSegment,
}

/// <summary>
/// Everything the API server knows about one resource: names, scope, subresources, strategies and
/// the selectable fields. Built-in kinds come from <see cref="BuiltInResources"/>; custom resources
/// are derived from established CustomResourceDefinitions.
/// </summary>
internal sealed class ResourceType
{
    public required string Group { get; init; }

    /// <summary>Served versions, preferred (storage) first.</summary>
    public required IReadOnlyList<string> Versions { get; init; }

    public required string Kind { get; init; }

    public required string Plural { get; init; }

    public string Singular { get; init; } = "";

    public required bool Namespaced { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public bool HasStatus { get; init; }

    /// <summary>True when a <c>/scale</c> subresource is served (Deployment, ReplicaSet, StatefulSet, CRDs that declare it).</summary>
    public ScaleSpec? Scale { get; init; }

    /// <summary>metadata.generation is set on create and bumped on spec changes.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>DELETE answers with the object (true) or with a Status (false), as each real registry does.</summary>
    public bool ReturnDeletedObject { get; init; }

    public bool AllowUnconditionalUpdate { get; init; } = true;

    public bool AllowCreateOnUpdate { get; init; }

    /// <summary>Garbage-collection policy when DELETE names none: "Background" or "Orphan" (batch/v1 Jobs).</summary>
    public string DefaultPropagation { get; init; } = "Background";

    public NameRule NameRule { get; init; } = NameRule.Subdomain;

    /// <summary>Verbs listed in discovery.</summary>
    public IReadOnlyList<string> Verbs { get; init; } = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>Merge semantics for strategic merge patch and server-side apply; null = defaults everywhere.</summary>
    public SchemaNode? Schema { get; init; }

    /// <summary>Strategic merge patch is served (built-in kinds only).</summary>
    public bool SupportsStrategicMerge { get; init; } = true;

    /// <summary>Fields usable in fieldSelector beyond metadata.name/metadata.namespace, with how to read them.</summary>
    public IReadOnlyDictionary<string, Func<JsonObject, string>> SelectableFields { get; init; }
        = new Dictionary<string, Func<JsonObject, string>>();

    public ResourceStrategy Strategy { get; init; } = ResourceStrategy.Default;

    public bool IsCustom { get; init; }

    /// <summary>For custom resources: the openAPIV3Schema per version (validation, pruning, defaults).</summary>
    public IReadOnlyDictionary<string, JsonObject>? CustomSchemas { get; init; }

    public string ListKind => Kind + "List";

    public string PreferredVersion => Versions[0];

    /// <summary>The version objects are stored in (custom resources: the CRD's storage version).</summary>
    public string? StorageVersionOverride { get; init; }

    public string StorageVersion => StorageVersionOverride ?? Versions[0];

    public GroupResource GroupResource => new(Group, Plural);

    public string ApiVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    public string Qualified => Errors.Qualified(Group, Plural);

    public override string ToString() => Qualified;
}

/// <summary>Where a scalable resource keeps its replica counts (JSON paths, as in a CRD's scale subresource).</summary>
internal sealed record ScaleSpec(string[] SpecReplicasPath, string[] StatusReplicasPath, string[]? LabelSelectorPath);
