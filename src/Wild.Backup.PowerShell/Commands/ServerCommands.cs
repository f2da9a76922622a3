using System.Management.Automation;
using System.Security;
using Wild.Backup.Client;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Makes a WildBackup server (wild-api) the default for this session.</summary>
/// <remarks>
/// <para>Every WildBackup cmdlet then sends its work there (as with -Server) and renders the server's progress, objects
/// and errors as for local work; the server's data dir and destination apply. The connection is checked first (the
/// server must list its instances). The token is kept as a SecureString and never shown. Disconnect-WildServer
/// ends it.</para>
/// </remarks>
/// <example title="Work through a server">
/// <code>Connect-WildServer http://127.0.0.1:5056
/// Get-WildBackup</code>
/// <para>Lists the backups of the server's instance.</para>
/// </example>
/// <example title="A server beyond loopback, with its token">
/// <code>$token = ConvertTo-SecureString $env:WILD_API_TOKEN -AsPlainText -Force
/// Connect-WildServer -Uri http://127.0.0.1:5056 -Token $token -PassThru</code>
/// <para>Returns the connection (its URL; the token is never shown).</para>
/// </example>
/// <returns>With -PassThru, the Wild.Backup.PowerShell.Infrastructure.ServerConnection.</returns>
/// <seealso cref="DisconnectWildServerCommand"/>
[Cmdlet(VerbsCommunications.Connect, "WildServer")]
[OutputType(typeof(ServerConnection))]
public sealed class ConnectWildServerCommand : PSCmdlet
{
    /// <summary>The server's URL, http:// or https://, such as http://127.0.0.1:5056.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Uri Uri { get; set; } = null!;

    /// <summary>The server's bearer token (required when it listens beyond loopback).</summary>
    /// <value>$env:WILD_API_TOKEN</value>
    [Parameter]
    public SecureString? Token { get; set; }

    /// <summary>Return the connection.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (Uri.Scheme is not ("http" or "https"))
            ThrowTerminatingError(ErrorRecords.From(new Core.Errors.InvalidInputException("InvalidServerUri", $"'{Uri}' is not an http(s) URL."), Uri));
        var token = Token;
        if (token is null && Environment.GetEnvironmentVariable("WILD_API_TOKEN") is { Length: > 0 } env)
        {
            token = new SecureString();
            foreach (var c in env) token.AppendChar(c);
        }
        var connection = new ServerConnection(Uri, token);
        try
        {
            var service = new RemoteWildService(Uri, connection.Token);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var instances = service.GetInstancesAsync(cts.Token).GetAwaiter().GetResult();
            WriteVerbose($"Connected to {Uri}: {instances.Count} instances.");
        }
        catch (Exception ex) when (ErrorRecords.IsEngineError(ex))
        {
            ThrowTerminatingError(ErrorRecords.From(ex, Uri));
        }
        // Global, so it outlives the script or function that connected.
        InvokeCommand.InvokeScript(false, ScriptBlock.Create($"param($c) $global:{ServerConnection.VariableName} = $c"), null, connection);
        if (PassThru) WriteObject(connection);
    }
}

/// <summary>Forgets the session's default server: cmdlets work in this process again.</summary>
/// <remarks>
/// <para>Undoes Connect-WildServer. Work already started on the server goes on there; an explicit -Server still
/// works.</para>
/// </remarks>
/// <example title="Back to local work">
/// <code>Disconnect-WildServer
/// Get-WildApp</code>
/// <para>Lists the apps of the local data dir again.</para>
/// </example>
/// <example title="When nothing is connected">
/// <code>Disconnect-WildServer; Disconnect-WildServer</code>
/// <para>Disconnecting twice is harmless.</para>
/// </example>
[Cmdlet(VerbsCommunications.Disconnect, "WildServer")]
public sealed class DisconnectWildServerCommand : PSCmdlet
{
    protected override void ProcessRecord() =>
        InvokeCommand.InvokeScript(false, ScriptBlock.Create($"$global:{ServerConnection.VariableName} = $null"), null);
}
