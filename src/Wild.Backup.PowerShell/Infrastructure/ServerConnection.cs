using System.Management.Automation;
using System.Net;
using System.Security;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>The session's default WildBackup server (Connect-WildServer), kept in the global variable
/// <c>$WildBackupServer</c> of the runspace. The token is never shown (ToString hides it).</summary>
public sealed class ServerConnection
{
    public const string VariableName = "WildBackupServer";

    public ServerConnection(Uri uri, SecureString? token)
    {
        Uri = uri;
        _token = token;
    }

    private readonly SecureString? _token;

    public Uri Uri { get; }
    public bool HasToken => _token is { Length: > 0 };
    internal string? Token => _token is null ? null : new NetworkCredential("", _token).Password;

    public override string ToString() => Uri.ToString();

    internal static ServerConnection? Current(PSCmdlet cmdlet) =>
        cmdlet.SessionState.PSVariable.GetValue(VariableName) is PSObject { BaseObject: ServerConnection c } ? c
        : cmdlet.SessionState.PSVariable.GetValue(VariableName) as ServerConnection;

    /// <summary>The token for an explicit -Server: the session's when it is the same server, else $env:WILD_API_TOKEN.</summary>
    internal static string? TokenFor(PSCmdlet cmdlet, Uri server) =>
        Current(cmdlet) is { } c && Uri.Compare(c.Uri, server, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
            ? c.Token
            : Environment.GetEnvironmentVariable("WILD_API_TOKEN");
}
