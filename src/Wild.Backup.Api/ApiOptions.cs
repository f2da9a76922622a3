using System.Net;

namespace Wild.Backup.Api;

/// <summary>How the API server runs. Defaults: loopback only, port 5056, the production data dir.</summary>
public sealed record ApiOptions
{
    public const string TokenVariable = "WILD_API_TOKEN";

    /// <summary>Our default port: 5055 is the Wild Cloud daemon's (civil-society-dev/wild-central
    /// <c>daemon/debian/etc/nginx/sites-available/wild-central</c> proxies <c>/api/</c> to it), and both run on the same
    /// central machine.</summary>
    public const int DefaultPort = 5056;

    /// <summary>Where to listen. Anything but loopback requires <see cref="Token"/>.</summary>
    public string Urls { get; init; } = $"http://127.0.0.1:{DefaultPort}";
    public string? DataDir { get; init; }
    /// <summary>Overrides every instance's destination (else per instance: $env:WILD_BACKUP_DEST, config.yaml, NFS host).</summary>
    public string? Destination { get; init; }
    /// <summary>Bearer token clients must send. Never logged.</summary>
    public string? Token { get; init; }
    /// <summary>A step without progress for this long fails its operation; requests may set their own (timeoutSeconds).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Heartbeat comment interval of the per-operation streams.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Interval of the named <c>heartbeat</c> event on the Wild Cloud streams (<c>/events</c>): the daemon's 30 s.</summary>
    public TimeSpan EventsHeartbeat { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Largest request body accepted.</summary>
    public long MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Refuses configurations that would expose the API unauthenticated.</summary>
    public void Validate()
    {
        foreach (var url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri))
                throw new ArgumentException($"'{url}' is not a URL to listen on.");
            var loopback = uri.Host == "localhost" || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
            if (!loopback && string.IsNullOrEmpty(Token))
                throw new ArgumentException($"Refusing to listen on {url} without a bearer token: set ${TokenVariable} or --token. Loopback addresses need none.");
        }
        if (StepTimeout <= TimeSpan.Zero) throw new ArgumentException("The step timeout must be positive.");
    }
}
