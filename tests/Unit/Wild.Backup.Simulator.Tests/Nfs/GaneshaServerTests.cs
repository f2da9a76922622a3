using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Wild.Backup.Simulator.Nfs;
using Xunit;

namespace Wild.Backup.Simulator.Tests.Nfs;

/// <summary>The NFS-Ganesha helper itself, checked with libnfs's command-line tools (not with our own client).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GaneshaServerTests : IDisposable
{
    private readonly string _export = Path.Combine(Path.GetTempPath(), "wild-ganesha-test-" + Guid.NewGuid().ToString("N")[..10]);

    public GaneshaServerTests() => Directory.CreateDirectory(_export);

    public void Dispose()
    {
        try { Directory.Delete(_export, recursive: true); } catch (IOException) { }
    }

    private static async Task<(int Code, string Output)> Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (p.ExitCode, output);
    }

    private static string LibnfsUrl(GaneshaServer g, string path = "/") =>
        $"nfs://127.0.0.1{g.Pseudo}{path}?nfsport={g.NfsPort}&mountport={g.MountPort}";

    [Fact]
    public async Task Serves_the_export_directory_on_loopback()
    {
        await File.WriteAllTextAsync(Path.Combine(_export, "hello.txt"), "hi");
        await using var g = await GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = _export });
        Assert.True(g.IsRunning);
        var (code, listing) = await Run("nfs-ls", LibnfsUrl(g));
        Assert.Equal(0, code);
        Assert.Contains("hello.txt", listing);

        var local = Path.Combine(Path.GetTempPath(), "wild-ganesha-copy-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(local, "written through nfs");
        try
        {
            Assert.Equal(0, (await Run("nfs-cp", local, LibnfsUrl(g, "/copied.txt"))).Code);
        }
        finally
        {
            File.Delete(local);
        }
        Assert.Equal("written through nfs", await File.ReadAllTextAsync(Path.Combine(_export, "copied.txt")));
        Assert.Equal($"nfs://127.0.0.1:{g.NfsPort}/export/sub?mountport={g.MountPort}&timeout=5", g.Url("sub", "timeout=5"));
    }

    [Fact]
    public async Task Servers_started_at_the_same_moment_all_serve()
    {
        // Each Ganesha re-registers NFS and MOUNT with rpcbind at start and exits if another registered in between:
        // parallel test projects start servers at once, so starts must take turns.
        var servers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = _export })));
        try
        {
            foreach (var g in servers)
            {
                Assert.True(g.IsRunning);
                Assert.Equal(0, (await Run("nfs-ls", LibnfsUrl(g))).Code);
            }
        }
        finally
        {
            foreach (var g in servers) await g.DisposeAsync();
        }
    }

    [Fact]
    public async Task Stop_start_again_and_restart_keep_the_ports_and_the_data()
    {
        await using var g = await GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = _export });
        var (nfsPort, mountPort) = (g.NfsPort, g.MountPort);
        await g.StopAsync();
        Assert.False(g.IsRunning);
        Assert.NotEqual(0, (await Run("nfs-ls", LibnfsUrl(g))).Code);

        await File.WriteAllTextAsync(Path.Combine(_export, "while-down"), "x");
        await g.StartAgainAsync();
        Assert.Equal((nfsPort, mountPort), (g.NfsPort, g.MountPort));
        Assert.Contains("while-down", (await Run("nfs-ls", LibnfsUrl(g))).Output);

        var pid = g.ProcessId;
        await g.RestartAsync();
        Assert.NotEqual(pid, g.ProcessId);
        Assert.Equal(0, (await Run("nfs-ls", LibnfsUrl(g))).Code);
    }

    [Fact]
    public async Task A_paused_server_accepts_connections_but_does_not_answer_until_resumed()
    {
        await using var g = await GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = _export });
        g.Pause();
        try
        {
            var hung = Run("nfs-ls", LibnfsUrl(g));
            var finished = await Task.WhenAny(hung, Task.Delay(TimeSpan.FromSeconds(2)));
            Assert.NotSame(hung, finished);
            g.Resume();
            Assert.Equal(0, (await hung.WaitAsync(TimeSpan.FromSeconds(60))).Code);
        }
        finally
        {
            g.Resume();
        }
    }

    [Fact]
    public async Task A_tmpfs_export_has_the_size_asked_for_and_goes_away_on_dispose()
    {
        string export;
        await using (var g = await GaneshaServer.StartOnTmpfsAsync(sizeMiB: 4))
        {
            export = g.ExportDirectory;
            var drive = new DriveInfo(export);
            Assert.Equal("tmpfs", drive.DriveFormat);
            Assert.Equal(4L * 1024 * 1024, drive.TotalSize);
            Assert.Equal(0, (await Run("nfs-ls", LibnfsUrl(g))).Code);
        }
        Assert.DoesNotContain(export, await File.ReadAllTextAsync("/proc/mounts"));
        Assert.False(Directory.Exists(export));
    }

    [Fact]
    public async Task A_daemon_that_cannot_start_fails_early_with_its_log()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;
        // With an hour to wait for readiness, only noticing that the daemon died can end this within the guard.
        var ex = await Assert.ThrowsAsync<GaneshaStartException>(() =>
            GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = _export, NfsPort = busy, MountPort = busy, StartTimeout = TimeSpan.FromHours(1) })
                .WaitAsync(TimeSpan.FromSeconds(90)));
        Assert.Contains("exited with code", ex.Message);
        Assert.Contains("Log tail:", ex.Message);
        Assert.Contains($"{busy}", ex.Message);
    }

    [Fact]
    public async Task Refusing_an_export_to_loopback_still_starts_and_mounts_are_refused()
    {
        await using var g = await GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = _export, AllowedClients = ["192.0.2.10"] });
        var (code, output) = await Run("nfs-ls", LibnfsUrl(g));
        Assert.NotEqual(0, code);
        Assert.Contains("MNT3ERR_ACCES", output);
    }

    [Fact]
    public async Task Bad_export_directories_are_refused_before_starting()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = "relative/dir" }));
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = Path.Combine(_export, "missing") }));
    }
}
