using System.Net;
using System.Net.Sockets;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Simulator.Nfs;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs.Support;

/// <summary>
/// One NFS-Ganesha server per test class, exporting a temp directory. Each test takes its own directory inside the
/// export (<see cref="NewRoot"/>), so tests share the server but never each other's files. If Ganesha cannot start,
/// every test in the class fails with the reason and the daemon's log tail.
/// </summary>
public sealed class GaneshaFixture : IAsyncLifetime
{
    private readonly TempDir _export = new("wild-nfs-export-");

    public GaneshaServer Server { get; private set; } = null!;

    /// <summary>The exported directory on this machine: what the server serves, read directly by the tests.</summary>
    public string ExportDirectory => _export.Path;

    public async Task InitializeAsync() =>
        Server = await GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = _export.Path });

    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        _export.Dispose();
    }

    /// <summary>A fresh directory inside the export: its name and its path on this machine.</summary>
    public (string Name, string LocalPath) NewRoot()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..10];
        var local = System.IO.Path.Combine(_export.Path, name);
        Directory.CreateDirectory(local);
        return (name, local);
    }

    /// <summary>For tests that run against a destination: a fresh directory inside the export, as the nfs:// URL the engine
    /// is given and the local directory the test reads.</summary>
    public (string Uri, string LocalView) Serve(SampleWorld _)
    {
        var (name, local) = NewRoot();
        return (Server.Url(name, "timeout=10"), local);
    }

    /// <summary>A store rooted at a fresh directory inside the export.</summary>
    public (NfsStore Store, string LocalPath) NewStore(string? query = "timeout=10", NfsStoreOptions? options = null)
    {
        var (name, local) = NewRoot();
        return (new NfsStore(Server.Url(name, query), options), local);
    }
}

/// <summary>Addresses where nothing listens.</summary>
public static class DeadEnds
{
    /// <summary>A loopback port with no listener (bound, read, released).</summary>
    public static int ClosedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public static string UnreachableUrl() => $"nfs://127.0.0.1:{ClosedPort()}/export?mountport={ClosedPort()}&timeout=5";
}
