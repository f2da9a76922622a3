using System.Globalization;

namespace Wild.Backup.Simulator.Longhorn.Targets;

/// <summary>
/// An NFS backup target URL as Longhorn writes it, <c>nfs://server:/export/path</c> (the ':' before the path as in
/// <c>server:/path</c>), also accepting <c>nfs://server:2049/path</c> and <c>nfs://server/path</c>; a query
/// (<c>?nfsOptions=…</c>, <c>?mountport=…</c>) is ignored.
/// </summary>
internal sealed record NfsShareUrl(string Host, int? Port, string Path)
{
    public static bool TryParse(string? url, out NfsShareUrl share, out string error)
    {
        share = null!;
        error = "";
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "the URL is empty";
            return false;
        }
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            error = $"{url} is not a URL";
            return false;
        }
        var scheme = url[..schemeEnd].ToLowerInvariant();
        if (scheme != "nfs")
        {
            error = $"the simulated Longhorn serves only nfs:// backup targets, not {scheme}://";
            return false;
        }
        var rest = url[(schemeEnd + 3)..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0) rest = rest[..q];
        var hostEnd = rest.IndexOfAny([':', '/']);
        var host = hostEnd < 0 ? rest : rest[..hostEnd];
        if (host.Length == 0)
        {
            error = $"{url} names no NFS server";
            return false;
        }
        rest = hostEnd < 0 ? "" : rest[hostEnd..];
        int? port = null;
        if (rest.StartsWith(':'))
        {
            var digits = new string(rest.Skip(1).TakeWhile(char.IsAsciiDigit).ToArray());
            if (digits.Length > 0) port = int.Parse(digits, CultureInfo.InvariantCulture);
            rest = rest[(1 + digits.Length)..];
            if (rest.StartsWith(':')) rest = rest[1..];
        }
        if (!rest.StartsWith('/'))
        {
            error = $"{url} names no exported path (nfs://server:/path)";
            return false;
        }
        var path = "/" + string.Join('/', rest.Split('/', StringSplitOptions.RemoveEmptyEntries));
        if (path.Split('/').Any(p => p is "." or ".."))
        {
            error = $"{url} has '.' or '..' in its path";
            return false;
        }
        share = new NfsShareUrl(host.ToLowerInvariant(), port, path);
        return true;
    }

    /// <summary>True when both name the same server (127.0.0.1, localhost and ::1 are one).</summary>
    public bool SameServer(NfsShareUrl other) => Canonical(Host) == Canonical(other.Host);

    /// <summary>The part of this path below <paramref name="root"/> ("" when equal), or null when it is not inside it.</summary>
    public string? RelativeTo(string root)
    {
        if (Path == root || root == "/") return Path == root ? "" : Path.TrimStart('/');
        return Path.StartsWith(root + "/", StringComparison.Ordinal) ? Path[(root.Length + 1)..] : null;
    }

    private static string Canonical(string host) => host is "localhost" or "127.0.0.1" or "::1" or "[::1]" ? "loopback" : host;
}

/// <summary>Maps BackupTarget URLs to the local directory that serves them: the configured share and anything inside it.</summary>
internal sealed class BackupTargetLocator
{
    private readonly NfsShareUrl _share;
    private readonly string _url;

    public BackupTargetLocator(string shareUrl, string directory)
    {
        if (!NfsShareUrl.TryParse(shareUrl, out _share, out var error))
            throw new ArgumentException($"The simulated Longhorn's backup target URL is invalid: {error}", nameof(shareUrl));
        _url = shareUrl;
        Directory = System.IO.Path.GetFullPath(directory);
    }

    public string Directory { get; }

    /// <summary>The directory <paramref name="url"/> lands in, or null with why it cannot be served (as a mount failure reads).</summary>
    public string? Resolve(string url, out string error)
    {
        if (!NfsShareUrl.TryParse(url, out var wanted, out error)) return null;
        var inside = wanted.SameServer(_share) ? wanted.RelativeTo(_share.Path) : null;
        if (inside is null)
        {
            error = $"mount.nfs: access denied by server while mounting {wanted.Host}:{wanted.Path} (the simulator serves only {_url})";
            return null;
        }
        var directory = inside.Length == 0 ? Directory : System.IO.Path.Combine(Directory, inside);
        if (!System.IO.Directory.Exists(directory))
        {
            error = $"mount.nfs: mounting {wanted.Host}:{wanted.Path} failed, reason given by server: No such file or directory";
            return null;
        }
        return directory;
    }
}
