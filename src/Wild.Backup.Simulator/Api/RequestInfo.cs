namespace Wild.Backup.Simulator.Api;

/// <summary>Per-request facts the pipeline needs beyond the call arguments: who asked, and warnings to return.</summary>
internal sealed class RequestInfo
{
    /// <summary>The User-Agent header (default field manager for non-apply writes).</summary>
    public string? UserAgent { get; init; }

    /// <summary>Warnings to send back as <c>Warning: 299 - "..."</c> headers.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>HTTP status to answer with when not 200/201 (e.g. 202).</summary>
    public int? StatusCode { get; set; }

    /// <summary>The field manager for Update operations when the request names none: the User-Agent up to the first '/'.</summary>
    public string DefaultManager
    {
        get
        {
            if (string.IsNullOrEmpty(UserAgent)) return "wild-simulator";
            var slash = UserAgent.IndexOf('/');
            var prefix = slash < 0 ? UserAgent : UserAgent[..slash];
            return prefix.Length > 128 ? prefix[..128] : prefix;
        }
    }
}
