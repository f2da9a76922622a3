using System.Net;

namespace Wild.Backup.Api;

/// <summary>How the API server runs. Defaults: loopback only, port 5055, the production data dir.</summary>
public sealed record ApiOptions
{
    public const string TokenVariable = "WILD_API_TOKEN";

    /// <summary>Where to listen. Anything but loopback requires <see cref="Token"/>.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5055";
    public string? DataDir { get; init; }
    /// <summary>Overrides every instance's destination (else per instance: $env:WILD_BACKUP_DEST, config.yaml, NFS host).</summary>
    public string? Destination { get; init; }
    /// <summary>Bearer token clients must send. Never logged.</summary>
    public string? Token { get; init; }
    /// <summary>A step without progress for this long fails its operation; requests may set their own (timeoutSeconds).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>SSE heartbeat comment interval.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);
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
