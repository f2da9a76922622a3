using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Apply;

/// <summary>
/// A set of field paths, as structured-merge-diff tracks ownership. A path is a sequence of path
/// elements in the managedFields (FieldsV1) spelling: <c>f:name</c> (struct/map field),
/// <c>k:{"name":"nginx"}</c> (associative list element), <c>v:"x"</c> (set element), <c>i:0</c>.
/// </summary>
internal sealed class FieldSet
{
    private const char Sep = '\u0001';
    private readonly HashSet<string> paths;

    public FieldSet() => paths = new HashSet<string>(StringComparer.Ordinal);

    private FieldSet(IEnumerable<string> items) => paths = new HashSet<string>(items, StringComparer.Ordinal);

    public int Count => paths.Count;

    public bool IsEmpty => paths.Count == 0;

    public IEnumerable<string[]> Paths => paths.Select(Split);

    public static string Join(IEnumerable<string> elements) => string.Join(Sep, elements);

    public static string[] Split(string path) => path.Length == 0 ? [] : path.Split(Sep);

    public void Add(IEnumerable<string> elements) => paths.Add(Join(elements));

    public bool Contains(string[] elements) => paths.Contains(Join(elements));

    public bool ContainsEncoded(string encoded) => paths.Contains(encoded);

    public IEnumerable<string> Encoded => paths;

    public bool SetEquals(FieldSet other) => paths.SetEquals(other.paths);

    public FieldSet Union(FieldSet other) => new(paths.Union(other.paths));

    public FieldSet Except(FieldSet other) => new(paths.Except(other.paths));

    public FieldSet Intersect(FieldSet other) => new(paths.Intersect(other.paths));

    public FieldSet Where(Func<string[], bool> keep) => new(paths.Where(p => keep(Split(p))));

    public static FieldSet FromEncoded(IEnumerable<string> encoded) => new(encoded);

    /// <summary>The set of fields present in <paramref name="value"/>, given its merge schema.</summary>
    public static FieldSet FromObject(JsonNode? value, SchemaNode? schema)
    {
        var set = new FieldSet();
        Collect(value, schema, [], set);
        return set;
    }

    private static void Collect(JsonNode? value, SchemaNode? schema, List<string> prefix, FieldSet set)
    {
        switch (value)
        {
            case JsonObject o when schema is not { AtomicObject: true }:
                if (o.Count == 0)
                {
                    if (prefix.Count > 0) set.Add(prefix);
                    return;
                }
                foreach (var (k, v) in o)
                {
                    prefix.Add("f:" + k);
                    Collect(v, schema?.Field(k), prefix, set);
                    prefix.RemoveAt(prefix.Count - 1);
                }
                return;
            case JsonArray a when schema is { ListType: ListType.Map }:
                if (a.Count == 0) { set.Add(prefix); return; }
                foreach (var item in a)
                {
                    prefix.Add(KeyElement(item, schema));
                    set.Add(prefix);
                    Collect(item, schema.Items, prefix, set);
                    prefix.RemoveAt(prefix.Count - 1);
                }
                return;
            case JsonArray a when schema is { ListType: ListType.Set }:
                if (a.Count == 0) { set.Add(prefix); return; }
                foreach (var item in a)
                {
                    prefix.Add("v:" + item.ToJson());
                    set.Add(prefix);
                    prefix.RemoveAt(prefix.Count - 1);
                }
                return;
            default:
                set.Add(prefix);
                return;
        }
    }

    /// <summary>The <c>k:{...}</c> element naming an associative list item by its key fields (sorted by name); a key
    /// field the item leaves out takes the schema's default for it.</summary>
    public static string KeyElement(JsonNode? item, SchemaNode schema)
    {
        var o = new JsonObject();
        foreach (var k in schema.ListMapKeys.Order(StringComparer.Ordinal))
        {
            if (item is JsonObject io && io[k] is { } v) o[k] = v.DeepClone();
            else if (schema.ListMapKeyDefaults.TryGetValue(k, out var d)) o[k] = d;
        }
        return "k:" + o.ToJson();
    }

    /// <summary>Finds the node a path points at; false when any element is missing.</summary>
    public static bool TryResolve(JsonNode? root, string[] path, out JsonNode? node)
    {
        node = root;
        foreach (var element in path)
        {
            switch (element[0])
            {
                case 'f':
                    if (node is not JsonObject o || !o.TryGetPropertyValue(element[2..], out node)) return false;
                    break;
                case 'k':
                    {
                        if (node is not JsonArray a) return false;
                        var key = JsonTools.ParseObject(element[2..]);
                        node = a.FirstOrDefault(i => i is JsonObject io && key.All(p => JsonTools.DeepEquals(io[p.Key], p.Value)));
                        if (node is null) return false;
                        break;
                    }
                case 'v':
                    {
                        if (node is not JsonArray a) return false;
                        var want = JsonNode.Parse(element[2..]);
                        var found = a.FirstOrDefault(i => JsonTools.DeepEquals(i, want));
                        if (found is null && !a.Any(i => i is null && want is null)) return false;
                        node = found;
                        break;
                    }
                case 'i':
                    {
                        if (node is not JsonArray a || !int.TryParse(element[2..], out var idx) || idx >= a.Count) return false;
                        node = a[idx];
                        break;
                    }
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>Removes the field or list element a path points at (no-op when absent).</summary>
    public static void RemovePath(JsonNode root, string[] path)
    {
        if (path.Length == 0) return;
        if (!TryResolve(root, path[..^1], out var parent)) return;
        var last = path[^1];
        switch (parent)
        {
            case JsonObject o when last.StartsWith("f:", StringComparison.Ordinal):
                o.Remove(last[2..]);
                break;
            case JsonArray a:
                if (TryResolve(parent, [last], out var item))
                {
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (ReferenceEquals(a[i], item) || (item is null && a[i] is null)) { a.RemoveAt(i); break; }
                    }
                }
                break;
        }
    }

    /// <summary>Renders a path as structured-merge-diff does in conflict messages: <c>.spec.containers[name="nginx"].image</c>.</summary>
    public static string Render(string[] path)
    {
        var sb = new StringBuilder();
        foreach (var e in path)
        {
            var body = e[2..];
            switch (e[0])
            {
                case 'f':
                    sb.Append('.').Append(body);
                    break;
                case 'k':
                    var key = JsonTools.ParseObject(body);
                    sb.Append('[').Append(string.Join(",", key.Select(p => $"{p.Key}={p.Value.ToJson()}"))).Append(']');
                    break;
                case 'v':
                    sb.Append("[=").Append(body).Append(']');
                    break;
                case 'i':
                    sb.Append('[').Append(body).Append(']');
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Encodes as a FieldsV1 object ("f:spec": {"f:replicas": {}}, "." marks a member with children).</summary>
    public JsonObject ToFieldsV1()
    {
        var root = new Node();
        foreach (var p in paths)
        {
            var cur = root;
            foreach (var e in Split(p))
            {
                if (!cur.Children.TryGetValue(e, out var next))
                {
                    next = new Node();
                    cur.Children[e] = next;
                }
                cur = next;
            }
            cur.Member = true;
        }
        return root.ToJson();
    }

    public static FieldSet FromFieldsV1(JsonNode? fieldsV1)
    {
        var set = new FieldSet();
        if (fieldsV1 is JsonObject o) Parse(o, [], set);
        return set;
    }

    private static void Parse(JsonObject node, List<string> prefix, FieldSet set)
    {
        foreach (var (k, v) in node)
        {
            if (k == ".")
            {
                if (prefix.Count > 0) set.Add(prefix);
                continue;
            }
            prefix.Add(k);
            if (v is JsonObject child && child.Count > 0)
            {
                Parse(child, prefix, set);
            }
            else
            {
                set.Add(prefix);
            }
            prefix.RemoveAt(prefix.Count - 1);
        }
    }

    private sealed class Node
    {
        public SortedDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public bool Member { get; set; }

        public JsonObject ToJson()
        {
            var o = new JsonObject();
            if (Member && Children.Count > 0) o["."] = new JsonObject();
            foreach (var (k, v) in Children) o[k] = v.ToJson();
            return o;
        }
    }
}
