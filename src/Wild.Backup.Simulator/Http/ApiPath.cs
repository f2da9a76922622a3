using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Http;

/// <summary>A parsed resource URL: /api/v1/... or /apis/{group}/{version}/..., with optional legacy /watch/ prefix.</summary>
internal sealed record ApiPath(string Group, string Version, string Resource, string? Namespace, string? Name, string? Subresource, bool LegacyWatch)
{
    public GroupVersionResource Gvr => new(Group, Version, Resource);

    /// <summary>Parses a request path; null when it is not a resource path.</summary>
    public static ApiPath? Parse(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.None);
        if (segments.Any(s => s.Length == 0)) return null;
        string group, version;
        int i;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            group = "";
            version = segments[1];
            i = 2;
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            group = segments[1];
            version = segments[2];
            i = 3;
        }
        else
        {
            return null;
        }
        var rest = segments[i..].Select(Uri.UnescapeDataString).ToArray();
        var watch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }
        if (rest.Length == 0) return null;

        // namespaces/{ns}/{resource}[/{name}[/{sub}]] unless it is a namespace's own subresource.
        if (rest[0] == "namespaces" && rest.Length >= 3 && !(rest.Length == 3 && rest[2] is "status" or "finalize"))
        {
            if (rest.Length > 5) return null;
            return new ApiPath(group, version, rest[2], rest[1], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? rest[4] : null, watch);
        }
        if (rest.Length > 3) return null;
        return new ApiPath(group, version, rest[0], null, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null, watch);
    }
}
