using System.Management.Automation;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>-Name filtering the PowerShell way: wildcards match silently, a literal name that matches nothing is an error.</summary>
internal static class NameFilter
{
    /// <summary>For each pattern, the items it matches (all items once when there are no patterns). A literal pattern
    /// with no match yields an empty list so the caller can report "not found"; a wildcard with no match yields nothing.</summary>
    public static IEnumerable<(string Pattern, IReadOnlyList<T> Items)> Apply<T>(string[]? patterns, IReadOnlyList<T> items, Func<T, string> name)
    {
        if (patterns is null || patterns.Length == 0)
        {
            yield return ("*", items);
            yield break;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in patterns)
        {
            var wildcard = WildcardPattern.ContainsWildcardCharacters(p);
            var pattern = new WildcardPattern(p, WildcardOptions.IgnoreCase);
            var matches = items.Where(i => pattern.IsMatch(name(i)) && seen.Add(name(i))).ToList();
            if (matches.Count > 0 || !wildcard) yield return (p, matches);
        }
    }
}
