using System.Management.Automation;
using System.Security;
using Wild.Backup.Client;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Makes a WildBackup server (wild-api) the default for this session: every WildBackup cmdlet then sends its
/// work there (as with -Server) and renders the server's progress, objects and errors. Checks the connection first.</summary>
[Cmdlet(VerbsCommunications.Connect, "WildServer")]
[OutputType(typeof(ServerConnection))]
public sealed class ConnectWildServerCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Uri Uri { get; set; } = null!;

    /// <summary>The server's bearer token (required when it listens beyond loopback). Default: $env:WILD_API_TOKEN.</summary>
    [Parameter]
    public SecureString? Token { get; set; }

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
[Cmdlet(VerbsCommunications.Disconnect, "WildServer")]
public sealed class DisconnectWildServerCommand : PSCmdlet
{
    protected override void ProcessRecord() =>
        InvokeCommand.InvokeScript(false, ScriptBlock.Create($"$global:{ServerConnection.VariableName} = $null"), null);
}
