using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Resources;

/// <summary>
/// The resources the API server serves: the built-in kinds plus one entry per established
/// CustomResourceDefinition. Lookups are by (group, version, plural), by group/resource, or by kind.
/// </summary>
internal sealed class ResourceRegistry
{
    private readonly object gate = new();
    private Dictionary<GroupResource, ResourceType> types = new();

    public ResourceRegistry(IEnumerable<ResourceType> builtIns)
    {
        foreach (var t in builtIns) types[t.GroupResource] = t;
    }

    public IReadOnlyCollection<ResourceType> All
    {
        get { lock (gate) return types.Values.ToList(); }
    }

    /// <summary>The type serving group/version/resource, or null (404).</summary>
    public ResourceType? Find(string group, string version, string plural)
    {
        lock (gate)
        {
            return types.TryGetValue(new GroupResource(group, plural), out var t) && t.Versions.Contains(version) ? t : null;
        }
    }

    public ResourceType? Find(GroupVersionResource gvr) => Find(gvr.Group, gvr.Version, gvr.Resource);

    public ResourceType? Find(GroupResource gr)
    {
        lock (gate) return types.TryGetValue(gr, out var t) ? t : null;
    }

    public ResourceType? FindKind(string group, string kind)
    {
        lock (gate) return types.Values.FirstOrDefault(t => t.Group == group && t.Kind == kind);
    }

    public void Register(ResourceType type)
    {
        lock (gate)
        {
            var copy = new Dictionary<GroupResource, ResourceType>(types) { [type.GroupResource] = type };
            types = copy;
        }
    }

    public void Unregister(GroupResource gr)
    {
        lock (gate)
        {
            var copy = new Dictionary<GroupResource, ResourceType>(types);
            copy.Remove(gr);
            types = copy;
        }
    }

    /// <summary>API groups (excluding the legacy core group) with their served versions, for discovery.</summary>
    public List<(string Group, List<string> Versions)> Groups()
    {
        lock (gate)
        {
            var order = BuiltInResources.GroupOrder;
            return types.Values.Where(t => t.Group.Length > 0)
                .GroupBy(t => t.Group)
                .Select(g => (g.Key, g.SelectMany(t => t.Versions).Distinct().OrderByDescending(VersionPriority).ToList()))
                .OrderBy(g => order.IndexOf(g.Key) is var i && i >= 0 ? i : int.MaxValue)
                .ThenBy(g => g.Key, StringComparer.Ordinal)
                .ToList();
        }
    }

    public List<ResourceType> InGroupVersion(string group, string version)
    {
        lock (gate)
        {
            return types.Values.Where(t => t.Group == group && t.Versions.Contains(version))
                .OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>Kubernetes version priority: GA over beta over alpha, higher numbers first.</summary>
    public static int VersionPriority(string v)
    {
        var m = System.Text.RegularExpressions.Regex.Match(v, @"^v(\d+)(?:(alpha|beta)(\d+))?$");
        if (!m.Success) return -1000000;
        var major = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stage = m.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        var minor = m.Groups[3].Success && m.Groups[3].Value.Length > 0 ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return stage * 100000 + major * 100 + minor;
    }
}
