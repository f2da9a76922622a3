using Microsoft.Extensions.Logging;
using Wild.Backup.Api;
using Wild.Backup.Testing;

namespace Wild.Backup.PowerShell.Tests.Support;

/// <summary>How the cmdlets do their work in a test: in the PowerShell process, or on a real wild-api server.</summary>
public enum Mode
{
    Local,
    Remote,
}

/// <summary>
/// A sample instance, the module in the real PowerShell engine, and — in remote mode — the real API server on a
/// loopback port with the session connected to it (Connect-WildServer). Test scripts are the same in both modes: the
/// -DataDir/-Destination they pass are what the server was started with, and are ignored when a server does the work.
/// </summary>
public sealed class CmdletWorld : IAsyncDisposable
{
    private CmdletWorld(Mode mode, SampleWorld world, ModuleSession ps, ApiServer? server)
    {
        Mode = mode;
        World = world;
        Ps = ps;
        Server = server;
    }

    public Mode Mode { get; }
    public SampleWorld World { get; }
    public ModuleSession Ps { get; }
    public ApiServer? Server { get; }

    public static async Task<CmdletWorld> StartAsync(Mode mode, Func<ApiOptions, ApiOptions>? configure = null, SampleWorld? world = null)
    {
        world ??= new SampleWorld();
        var (ps, server) = await OpenSessionAsync(mode, world.DataDir, world.Destination, configure);
        return new CmdletWorld(mode, world, ps, server);
    }

    /// <summary>The module in a session with <c>$data</c> and <c>$dest</c> set, connected to a server on that data in remote mode.</summary>
    public static async Task<(ModuleSession Ps, ApiServer? Server)> OpenSessionAsync(Mode mode, string dataDir, string destination, Func<ApiOptions, ApiOptions>? configure = null)
    {
        var ps = new ModuleSession();
        ps.SetVariable("data", dataDir);
        ps.SetVariable("dest", destination);
        ApiServer? server = null;
        if (mode == Mode.Remote)
        {
            var options = new ApiOptions { Urls = "http://127.0.0.1:0", DataDir = dataDir, Destination = destination };
            server = await ApiServer.StartAsync(configure?.Invoke(options) ?? options, b => b.SetMinimumLevel(LogLevel.Warning));
            ps.SetVariable("server", server.BaseAddress);
            var (_, connect) = ps.Invoke("Connect-WildServer -Uri $server");
            if (connect.HadErrors) throw new InvalidOperationException("Connect-WildServer failed: " + string.Join("; ", connect.Streams.Error));
        }
        return (ps, server);
    }

    public async ValueTask DisposeAsync()
    {
        Ps.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        World.Dispose();
    }
}
