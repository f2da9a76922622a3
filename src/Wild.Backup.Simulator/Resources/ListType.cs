namespace Wild.Backup.Simulator.Resources;

/// <summary>How a list merges, for server-side apply (x-kubernetes-list-type) and strategic merge patch.</summary>
internal enum ListType
{
    /// <summary>Replaced as a whole (the default for lists without a merge strategy).</summary>
    Atomic,

    /// <summary>A set of scalars (e.g. metadata.finalizers); SMP merges by value.</summary>
    Set,

    /// <summary>An associative list keyed by <see cref="SchemaNode.ListMapKeys"/> (e.g. containers by name).</summary>
    Map,
}

/// <summary>
/// The merge-relevant parts of a type's schema: which lists are associative and by which keys, which
/// maps/structs are atomic, and the strategic-merge-patch keys and strategies. Paths without a node
/// use the defaults (objects merge field by field, lists are atomic).
/// </summary>
internal sealed class SchemaNode
{
    public Dictionary<string, SchemaNode> Fields { get; } = new(StringComparer.Ordinal);

    /// <summary>Schema of every value of a map (e.g. CRD additionalProperties), when known.</summary>
    public SchemaNode? Values { get; set; }

    /// <summary>Schema of list items.</summary>
    public SchemaNode? Items { get; set; }

    public ListType ListType { get; set; } = ListType.Atomic;

    public string[] ListMapKeys { get; set; } = [];

    /// <summary>Defaults of key fields (Service and container ports: protocol TCP). An item that leaves a key field out is
    /// matched with its default, as structured-merge-diff does with the OpenAPI defaults of list-map keys.</summary>
    public IReadOnlyDictionary<string, string> ListMapKeyDefaults { get; set; } = new Dictionary<string, string>();

    /// <summary>True when the object/map is owned and replaced as a whole (x-kubernetes-map-type: atomic).</summary>
    public bool AtomicObject { get; set; }

    /// <summary>Strategic merge patch key (patchMergeKey); null when the list is replaced.</summary>
    public string? PatchMergeKey { get; set; }

    /// <summary>SMP patchStrategy "merge" for this list.</summary>
    public bool PatchMerge { get; set; }

    /// <summary>SMP patchStrategy "retainKeys" for this struct.</summary>
    public bool RetainKeys { get; set; }

    public SchemaNode? Field(string name)
    {
        if (Fields.TryGetValue(name, out var f)) return f;
        return Values;
    }

    public SchemaNode With(string name, SchemaNode child)
    {
        Fields[name] = child;
        return this;
    }

    public static SchemaNode Struct(params (string Name, SchemaNode Node)[] fields)
    {
        var n = new SchemaNode();
        foreach (var (name, node) in fields) n.Fields[name] = node;
        return n;
    }

    /// <summary>An associative list; the first key is the SMP merge key unless given.</summary>
    public static SchemaNode MapList(string[] keys, SchemaNode? item = null, string? smpKey = null, bool smpMerge = true, IReadOnlyDictionary<string, string>? keyDefaults = null)
        => new()
        {
            ListType = ListType.Map,
            ListMapKeys = keys,
            ListMapKeyDefaults = keyDefaults ?? new Dictionary<string, string>(),
            Items = item ?? new SchemaNode(),
            PatchMergeKey = smpMerge ? smpKey ?? keys[0] : null,
            PatchMerge = smpMerge,
        };

    public static SchemaNode SetList(bool smpMerge = true) => new() { ListType = ListType.Set, PatchMerge = smpMerge };

    public static SchemaNode AtomicList(SchemaNode? item = null) => new() { ListType = ListType.Atomic, Items = item };

    public static SchemaNode Atomic() => new() { AtomicObject = true };
}
