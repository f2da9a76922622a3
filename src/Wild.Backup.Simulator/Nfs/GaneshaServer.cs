using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Wild.Backup.Simulator.Nfs;

/// <summary>
/// A real NFS server for tests and demos: NFS-Ganesha (userspace, VFS backend) on 127.0.0.1 exporting one directory over
/// NFSv3/TCP. Start returns only once a real listing through the server works (libnfs's <c>nfs-ls</c>); if the daemon
/// dies or never serves, it throws with the tail of its log. Stop, start again, restart (same ports), pause and resume
/// (SIGSTOP/SIGCONT: a server that stops answering) are there for fault tests; <see cref="StartOnTmpfsAsync"/> serves a
/// small tmpfs for "disk full". Needs root (Ganesha's VFS backend uses open_by_handle_at) and the Debian packages
/// nfs-ganesha, nfs-ganesha-vfs, rpcbind and libnfs-utils.
/// </summary>
public sealed class GaneshaServer : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<GaneshaServer, bool> Live = new();
    private readonly GaneshaOptions _options;
    private readonly string _workDirectory;
    private readonly bool _ownsWorkDirectory;
    private readonly string? _tmpfsMount;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly BoundedLog _output = new(200);
    private Process? _process;
    private bool _disposed;

    static GaneshaServer()
    {
        // Never leave daemons behind when the test host exits without disposing.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var s in Live.Keys) s.KillNow();
        };
    }

    private GaneshaServer(GaneshaOptions options, string workDirectory, bool ownsWorkDirectory, string? tmpfsMount)
    {
        _options = options;
        _workDirectory = workDirectory;
        _ownsWorkDirectory = ownsWorkDirectory;
        _tmpfsMount = tmpfsMount;
        NfsPort = options.NfsPort;
        MountPort = options.MountPort;
    }

    public string ExportDirectory => _options.ExportDirectory;
    public string Pseudo => _options.Pseudo;
    public int NfsPort { get; private set; }
    public int MountPort { get; private set; }
    public string LogPath => Path.Combine(_workDirectory, "ganesha.log");
    public bool IsRunning => _process is { HasExited: false };
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>The export as an nfs:// URL with both ports given (no portmapper needed), optionally a directory inside it and more query options.</summary>
    public string Url(string? subPath = null, string? query = null)
    {
        var path = Pseudo.TrimEnd('/') + (string.IsNullOrEmpty(subPath) ? "" : "/" + subPath.Trim('/'));
        var q = $"mountport={MountPort.ToString(CultureInfo.InvariantCulture)}" + (string.IsNullOrEmpty(query) ? "" : "&" + query.TrimStart('?', '&'));
        return $"nfs://127.0.0.1:{NfsPort.ToString(CultureInfo.InvariantCulture)}{path}?{q}";
    }

    /// <summary>Starts a server exporting <see cref="GaneshaOptions.ExportDirectory"/> and waits until it serves a listing.</summary>
    public static async Task<GaneshaServer> StartAsync(GaneshaOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Path.IsPathFullyQualified(options.ExportDirectory))
            throw new ArgumentException($"The export directory must be an absolute path (Ganesha refuses mounts otherwise): {options.ExportDirectory}");
        if (!Directory.Exists(options.ExportDirectory))
            throw new DirectoryNotFoundException($"The export directory {options.ExportDirectory} does not exist.");
        var (work, owns) = PrepareWorkDirectory(options.WorkDirectory);
        var server = new GaneshaServer(options, work, owns, tmpfsMount: null);
        return await server.StartFirstTimeAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Mounts a tmpfs of <paramref name="sizeMiB"/> MiB (needs root) and serves it: a real server that fills up.</summary>
    public static async Task<GaneshaServer> StartOnTmpfsAsync(int sizeMiB, GaneshaOptions? template = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeMiB, 1);
        var (work, owns) = PrepareWorkDirectory(template?.WorkDirectory);
        var export = Path.Combine(work, "tmpfs-export");
        Directory.CreateDirectory(export);
        var mount = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={sizeMiB}m,mode=0755", "tmpfs", export], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        if (!mount.Ok)
        {
            if (owns) TryDelete(work);
            throw new InvalidOperationException($"Cannot mount a {sizeMiB} MiB tmpfs for the NFS export (needs root): {mount.Output}");
        }
        var options = (template ?? new GaneshaOptions { ExportDirectory = export }) with { ExportDirectory = export, WorkDirectory = work };
        var server = new GaneshaServer(options, work, owns, export);
        try
        {
            return await server.StartFirstTimeAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the daemon (SIGTERM, then SIGKILL after the stop timeout). Connections drop; the export directory stays.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Starts the daemon again on the same ports and waits until it serves.</summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (IsRunning) return;
            await LaunchAndWaitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops and starts again on the same ports (a server restart as clients see it).</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync(ct).ConfigureAwait(false);
        await StartAgainAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Freezes the daemon (SIGSTOP): connections stay open but nothing answers, like a hung server.</summary>
    public void Pause()
    {
        if (ProcessId is not { } pid || !ProcessRunner.Signal(pid, ProcessRunner.SIGSTOP)) throw new InvalidOperationException("Ganesha is not running.");
    }

    /// <summary>Lets a paused daemon run again (SIGCONT).</summary>
    public void Resume()
    {
        if (ProcessId is { } pid) ProcessRunner.Signal(pid, ProcessRunner.SIGCONT);
    }

    /// <summary>The last lines of Ganesha's log and output, without the harmless noise (dbus, Kerberos, RADOS).</summary>
    public string LogTail(int lines = 40)
    {
        var log = new List<string>();
        try
        {
            if (File.Exists(LogPath))
            {
                using var fs = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(fs);
                while (reader.ReadLine() is { } line)
                {
                    if (!IsNoise(line)) log.Add(line);
                }
            }
        }
        catch (IOException)
        {
        }
        log.AddRange(_output.Lines().Where(l => !IsNoise(l)));
        return string.Join('\n', log.TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            await StopCoreAsync().ConfigureAwait(false);
            Live.TryRemove(this, out _);
            if (_tmpfsMount is not null)
                await ProcessRunner.RunAsync("umount", ["-l", _tmpfsMount], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            if (_ownsWorkDirectory) TryDelete(_workDirectory);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    // ---- internals -------------------------------------------------------------------------------------------------

    private async Task<GaneshaServer> StartFirstTimeAsync(CancellationToken ct)
    {
        Live.TryAdd(this, true);
        try
        {
            await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await Rpcbind.EnsureRunningAsync(ct).ConfigureAwait(false);
                for (var attempt = 1; ; attempt++)
                {
                    if (_options.NfsPort == 0) NfsPort = FreePort();
                    if (_options.MountPort == 0) MountPort = FreePort(except: NfsPort);
                    try
                    {
                        await LaunchAndWaitAsync(ct).ConfigureAwait(false);
                        return this;
                    }
                    catch (GaneshaStartException ex) when (attempt < 3 && ex.PortInUse && (_options.NfsPort == 0 || _options.MountPort == 0))
                    {
                        // a free port was taken between choosing it and binding it: choose again
                    }
                    catch (GaneshaStartException ex) when (attempt < 3 && ex.RegistrationFailed)
                    {
                        // another Ganesha outside our start lock registered with rpcbind at the same moment: try again
                        await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                _lifecycle.Release();
            }
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Launches the daemon and waits until it serves, holding the machine-wide start lock: every Ganesha drops the
    /// NFS/MOUNT registrations in rpcbind and then registers its own, and exits if another one registered in between,
    /// so two servers starting at once (parallel test projects, parallel test classes) must take turns.
    /// </summary>
    private async Task LaunchAndWaitAsync(CancellationToken ct)
    {
        using var turn = await StartLock.AcquireAsync(_options.StartTimeout, ct).ConfigureAwait(false);
        await LaunchAndWaitHoldingLockAsync(ct).ConfigureAwait(false);
    }

    private async Task LaunchAndWaitHoldingLockAsync(CancellationToken ct)
    {
        var recovery = Path.Combine(_workDirectory, "recovery");
        Directory.CreateDirectory(recovery);
        var config = Path.Combine(_workDirectory, "ganesha.conf");
        await File.WriteAllTextAsync(config, GaneshaConfig.Render(_options, NfsPort, MountPort, recovery), ct).ConfigureAwait(false);
        var logStart = File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;

        var psi = new ProcessStartInfo("ganesha.nfsd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-F", "-L", LogPath, "-f", config, "-p", Path.Combine(_workDirectory, "ganesha.pid") }) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GaneshaStartException($"Cannot run ganesha.nfsd ({ex.Message}). Install it: apt-get install -y --no-install-recommends nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils", portInUse: false);
        }
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        _process = process;

        var deadline = Stopwatch.StartNew();
        string lastAttempt = "";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                var tail = LogTail();
                var log = LogSince(logStart);
                _process = null;
                process.Dispose();
                throw new GaneshaStartException(
                    $"ganesha.nfsd exited with code {SafeExitCode(process)} while starting (ports {NfsPort}/{MountPort}, export {_options.ExportDirectory}). Log tail:\n{tail}",
                    portInUse: log.Contains("Address already in use", StringComparison.OrdinalIgnoreCase)
                               || tail.Contains("Cannot bind", StringComparison.OrdinalIgnoreCase),
                    registrationFailed: log.Contains("Cannot register", StringComparison.Ordinal));
            }
            var listing = await ProbeAsync(ct).ConfigureAwait(false);
            if (listing.Ok) return;
            lastAttempt = listing.Output;
            if (listing.ExitCode == 127)
                throw new GaneshaStartException($"{listing.Output} Install libnfs-utils (nfs-ls checks the server is ready).", portInUse: false);
            if (deadline.Elapsed > _options.StartTimeout)
            {
                var tail = LogTail();
                await StopCoreAsync().ConfigureAwait(false);
                throw new GaneshaStartException(
                    $"ganesha.nfsd did not serve a listing of {Pseudo} within {_options.StartTimeout.TotalSeconds:0} s (last nfs-ls: {lastAttempt}). Log tail:\n{tail}", portInUse: false);
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Is it serving? A real listing through libnfs's nfs-ls; when the export refuses this machine on purpose
    /// (<see cref="GaneshaOptions.AllowedClients"/> without loopback) a listing cannot work, so both RPC services must
    /// answer a NULL call instead (rpcinfo).
    /// </summary>
    private async Task<ProcessRunner.Result> ProbeAsync(CancellationToken ct)
    {
        var loopbackAllowed = _options.AllowedClients is null
            || _options.AllowedClients.Any(c => c is "127.0.0.1" or "localhost" or "*" || c.StartsWith("127.", StringComparison.Ordinal));
        if (loopbackAllowed)
            return await ProcessRunner.RunAsync("nfs-ls", [$"nfs://127.0.0.1{Pseudo}/?nfsport={NfsPort}&mountport={MountPort}"], TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        var nfs = await ProcessRunner.RunAsync("rpcinfo", ["-n", NfsPort.ToString(CultureInfo.InvariantCulture), "-t", "127.0.0.1", "100003", "3"], TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        if (!nfs.Ok) return nfs;
        return await ProcessRunner.RunAsync("rpcinfo", ["-n", MountPort.ToString(CultureInfo.InvariantCulture), "-t", "127.0.0.1", "100005", "3"], TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
    }

    private async Task StopCoreAsync()
    {
        if (_process is not { } p) return;
        _process = null;
        using (p)
        {
            if (p.HasExited) return;
            ProcessRunner.Signal(p.Id, ProcessRunner.SIGCONT); // a paused daemon cannot handle SIGTERM
            ProcessRunner.Signal(p.Id, ProcessRunner.SIGTERM);
            using var cts = new CancellationTokenSource(_options.StopTimeout);
            try
            {
                await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                await p.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private void KillNow()
    {
        try
        {
            if (_process is { HasExited: false } p) p.Kill();
            if (_tmpfsMount is not null) Process.Start("umount", ["-l", _tmpfsMount])?.WaitForExit(5000);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    private string LogSince(long offset)
    {
        try
        {
            using var fs = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            fs.Seek(Math.Min(offset, fs.Length), SeekOrigin.Begin);
            return new StreamReader(fs).ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int SafeExitCode(Process p)
    {
        try { return p.ExitCode; } catch (InvalidOperationException) { return -1; }
    }

    private static bool IsNoise(string line) =>
        line.Contains("DBUS", StringComparison.Ordinal) || line.Contains("dbus_", StringComparison.Ordinal)
        || line.Contains("keytab", StringComparison.OrdinalIgnoreCase) || line.Contains("principal nfs", StringComparison.Ordinal)
        || line.Contains("RADOS", StringComparison.Ordinal) || line.Contains("svc_vc_wait", StringComparison.Ordinal);

    private static (string Path, bool Owned) PrepareWorkDirectory(string? requested)
    {
        if (requested is not null)
        {
            Directory.CreateDirectory(requested);
            return (Path.GetFullPath(requested), false);
        }
        var dir = Path.Combine(Path.GetTempPath(), "wild-ganesha-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return (dir, true);
    }

    private static int FreePort(int except = 0)
    {
        while (true)
        {
            using var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            if (port != except) return port;
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The last N lines a process printed.</summary>
    private sealed class BoundedLog(int capacity)
    {
        private readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > capacity) _lines.Dequeue();
            }
        }

        public string[] Lines()
        {
            lock (_lines) return _lines.ToArray();
        }
    }
}

/// <summary>NFS-Ganesha could not be started; the message carries the reason and the log tail.</summary>
public sealed class GaneshaStartException(string message, bool portInUse, bool registrationFailed = false) : Exception(message)
{
    internal bool PortInUse { get; } = portInUse;
    internal bool RegistrationFailed { get; } = registrationFailed;
}
