using System.Globalization;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Nfs;

/// <summary>
/// An <c>nfs://</c> destination: <c>nfs://host[:port]/export/path[?uid=N&amp;gid=N&amp;mountport=N&amp;timeout=S]</c>.
/// The path is the export followed by an optional directory inside it; which part is the export is decided when
/// mounting, from the server's export list (the longest export that is a prefix of the path).
/// </summary>
public sealed record NfsUrl
{
    /// <summary>The query keys understood (also <c>nfsport</c>, libnfs's name for the port).</summary>
    public static readonly IReadOnlyList<string> QueryKeys = ["uid", "gid", "mountport", "nfsport", "timeout"];

    public required string Host { get; init; }

    /// <summary>Absolute path on the server: the export and, optionally, a directory below it. Never ends with '/' (except "/").</summary>
    public required string Path { get; init; }

    /// <summary>The NFS port when given (URL port or <c>nfsport=</c>); otherwise the portmapper is asked.</summary>
    public int? NfsPort { get; init; }

    /// <summary>The MOUNT port when given (<c>mountport=</c>); otherwise the portmapper is asked.</summary>
    public int? MountPort { get; init; }

    public uint? Uid { get; init; }
    public uint? Gid { get; init; }

    /// <summary>Per-call timeout when given (<c>timeout=</c> in seconds).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The URL for people: scheme, host, port and path; no query.</summary>
    public string Display => $"nfs://{(Host.Contains(':') ? "[" + Host + "]" : Host)}{(NfsPort is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : "")}{Path}";

    public override string ToString() => Display;

    public static NfsUrl Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) throw Invalid(url, "it is not a valid URL");
        return Parse(uri);
    }

    public static NfsUrl Parse(Uri uri)
    {
        var shown = Storage.StoreFactory.Redact(uri.OriginalString);
        if (!uri.Scheme.Equals("nfs", StringComparison.OrdinalIgnoreCase)) throw Invalid(shown, "it does not start with nfs://");
        if (!string.IsNullOrEmpty(uri.UserInfo)) throw Invalid(shown, "user names and passwords are not used by NFS; use ?uid=…&gid=…");
        if (!string.IsNullOrEmpty(uri.Fragment)) throw Invalid(shown, "it has a '#' fragment");
        var host = uri.IdnHost.Trim('[', ']');
        if (host.Length == 0) throw Invalid(shown, "it has no server name");

        // Uri quietly resolves "a/../b"; a destination that says ".." is refused rather than reinterpreted.
        var rawPath = uri.OriginalString.Split('?', '#')[0];
        if (rawPath.Split('/').Skip(3).Select(Uri.UnescapeDataString).Any(s => s is "." or ".."))
            throw Invalid(shown, "the path contains '.' or '..'");
        var path = Uri.UnescapeDataString(uri.AbsolutePath);
        if (path.Length == 0 || path == "/") throw Invalid(shown, "it names no export (nfs://server/export)");
        if (path.Contains('\0') || path.Contains('\\')) throw Invalid(shown, "the path contains a NUL or backslash");
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or "..")) throw Invalid(shown, "the path contains '.' or '..'");
        path = "/" + string.Join('/', segments);

        var result = new NfsUrl { Host = host, Path = path, NfsPort = uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port };
        foreach (var (key, value) in ParseQuery(uri.Query, shown))
        {
            result = key switch
            {
                "uid" => result with { Uid = ParseId(value, key, shown) },
                "gid" => result with { Gid = ParseId(value, key, shown) },
                "mountport" => result with { MountPort = ParsePort(value, key, shown) },
                "nfsport" when result.NfsPort is { } p && p != ParsePort(value, key, shown) => throw Invalid(shown, "the port and nfsport= disagree"),
                "nfsport" => result with { NfsPort = ParsePort(value, key, shown) },
                "timeout" => result with { Timeout = ParseTimeout(value, shown) },
                _ => throw Invalid(shown, $"'{key}' is not a known option (known: {string.Join(", ", QueryKeys)})"),
            };
        }
        return result;
    }

    private static IEnumerable<(string Key, string Value)> ParseQuery(string query, string shown)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0) throw Invalid(shown, $"the option '{Uri.UnescapeDataString(part)}' has no value (use key=value)");
            var key = Uri.UnescapeDataString(part[..eq]).ToLowerInvariant();
            if (!seen.Add(key)) throw Invalid(shown, $"the option '{key}' is given twice");
            yield return (key, Uri.UnescapeDataString(part[(eq + 1)..]));
        }
    }

    private static uint ParseId(string value, string key, string shown) =>
        uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw Invalid(shown, $"{key}= must be a number from 0 to 4294967295");

    private static int ParsePort(string value, string key, string shown) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535
            ? p
            : throw Invalid(shown, $"{key}= must be a port number from 1 to 65535");

    private static TimeSpan ParseTimeout(string value, string shown) =>
        double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s is >= 0.1 and <= 3600
            ? TimeSpan.FromSeconds(s)
            : throw Invalid(shown, "timeout= must be a number of seconds from 0.1 to 3600");

    private static InvalidInputException Invalid(string shown, string why) =>
        new("InvalidDestination", $"The backup destination '{shown}' is not a valid nfs:// URL: {why}.");
}
