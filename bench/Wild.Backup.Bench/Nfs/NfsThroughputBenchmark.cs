using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Storage;
using Wild.Backup.Simulator.Nfs;

namespace Wild.Backup.Bench.Nfs;

/// <summary>
/// Writes and reads one large file through <see cref="NfsStore"/> against a loopback NFS-Ganesha, and the same with
/// libnfs's <c>nfs-cp</c> (the baseline) in the same run, from and to the same local file. Also reports the peak working
/// set of this process while writing and reading files of two sizes (it should not grow with the file).
/// Options: --size-mib N (1024), --small-mib N (256), --runs N (6; rounded up to even: whoever reads second in a run reads
/// slower on this machine, ours or nfs-cp alike, so each goes first in half the runs), --in-flight N (8), --disk (export a directory on disk
/// instead of a tmpfs, so the disk takes part).
/// </summary>
public sealed class NfsThroughputBenchmark : IBenchmark
{
    public string Description => "NfsStore vs nfs-cp (libnfs): 1 GiB write and read over loopback NFS-Ganesha, and peak memory";

    private sealed record Options(int SizeMiB, int SmallMiB, int Runs, int InFlight, bool Disk);

    public async Task<int> RunAsync(string[] args)
    {
        var o = Parse(args);
        if (o is null)
        {
            Console.Error.WriteLine("usage: wild-bench nfs [--size-mib 1024] [--small-mib 256] [--runs 6] [--in-flight 8] [--disk]");
            return 2;
        }
        var work = Path.Combine(o.Disk ? Path.GetTempPath() : "/dev/shm", "wild-bench-nfs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        GaneshaServer? server = null;
        try
        {
            string? exportDir = null;
            if (o.Disk)
            {
                exportDir = Path.Combine(work, "export");
                Directory.CreateDirectory(exportDir);
                server = await GaneshaServer.StartAsync(new GaneshaOptions { ExportDirectory = exportDir });
            }
            else
            {
                // Room for our copy and nfs-cp's of the big file, plus the small one.
                server = await GaneshaServer.StartOnTmpfsAsync(o.SizeMiB * 2 + o.SmallMiB + 64);
                exportDir = server.ExportDirectory;
            }
            var source = Path.Combine(work, "source.bin");
            var smallSource = Path.Combine(work, "small.bin");
            await MakeSourceAsync(source, o.SizeMiB);
            await MakeSourceAsync(smallSource, o.SmallMiB);
            var sourceHash = await HashAsync(source);

            PrintMachine(o, server);

            // Memory: peak working set while writing then reading each size (reset in between).
            var memory = new List<(int MiB, long Peak, long Baseline)>();
            foreach (var (file, mib) in new[] { (smallSource, o.SmallMiB), (source, o.SizeMiB) })
            {
                await using var store = OpenStore(server, o);
                await store.ProbeAsync(CancellationToken.None);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var baseline = ResetPeakWorkingSet();
                await OursWriteAsync(store, file, $"mem-{mib}.bin");
                await store.FlushAsync(CancellationToken.None);
                await OursReadAsync(store, $"mem-{mib}.bin", Path.Combine(work, "mem-read.bin"));
                memory.Add((mib, PeakWorkingSet(), baseline));
                File.Delete(Path.Combine(work, "mem-read.bin"));
                await store.DeleteFileAsync($"mem-{mib}.bin", CancellationToken.None);
            }

            var oursWrite = new List<Sample>();
            var oursDurable = new List<double>();
            var oursRead = new List<Sample>();
            var cpWrite = new List<Sample>();
            var cpRead = new List<Sample>();
            var bytes = (long)o.SizeMiB * 1024 * 1024;
            var back = Path.Combine(work, "read-back.bin");
            for (var run = 1; run <= o.Runs; run++)
            {
                // Same source file, same server, same destination file; who goes first alternates between runs.
                await using var store = OpenStore(server, o);
                await store.ProbeAsync(CancellationToken.None); // mount outside the timing (nfs-cp's is a few ms)
                var cpName = $"cp-{run}.bin";
                var oursName = $"ours-{run}.bin";
                async Task NfsCpRoundAsync()
                {
                    cpWrite.Add(await MeasureAsync(bytes, server, () => NfsCpAsync(source, LibnfsUrl(server, "/" + cpName))));
                    cpRead.Add(await MeasureAsync(bytes, server, () => NfsCpAsync(LibnfsUrl(server, "/" + cpName), back)));
                    Check(await HashAsync(back) == sourceHash, "nfs-cp read back different bytes");
                    File.Delete(back);
                }
                async Task OursRoundAsync()
                {
                    var sw = Stopwatch.StartNew();
                    oursWrite.Add(await MeasureAsync(bytes, server, () => OursWriteAsync(store, source, oursName)));
                    await store.FlushAsync(CancellationToken.None);
                    oursDurable.Add(bytes / sw.Elapsed.TotalSeconds);
                    oursRead.Add(await MeasureAsync(bytes, server, () => OursReadAsync(store, oursName, back)));
                    Check(await HashAsync(back) == sourceHash, "NfsStore read back different bytes");
                    Check(await HashAsync(Path.Combine(exportDir, oursName)) == sourceHash, "NfsStore wrote different bytes");
                    File.Delete(back);
                }
                if (run % 2 == 1)
                {
                    await NfsCpRoundAsync();
                    await OursRoundAsync();
                }
                else
                {
                    await OursRoundAsync();
                    await NfsCpRoundAsync();
                }
                // Removed through the server, which then lets go of its open descriptors (a tmpfs frees the space).
                await store.DeleteFileAsync(oursName, CancellationToken.None);
                await store.DeleteFileAsync(cpName, CancellationToken.None);
                Console.WriteLine(FormattableString.Invariant(
                    $"run {run}: write ours {Mib(oursWrite[^1].Rate)} (durable {Mib(oursDurable[^1])}) nfs-cp {Mib(cpWrite[^1].Rate)} | read ours {Mib(oursRead[^1].Rate)} nfs-cp {Mib(cpRead[^1].Rate)}"));
            }

            var w = Median(oursWrite.Select(x => x.Rate)) / Median(cpWrite.Select(x => x.Rate));
            var r = Median(oursRead.Select(x => x.Rate)) / Median(cpRead.Select(x => x.Rate));
            Console.WriteLine();
            Console.WriteLine($"| {o.SizeMiB} MiB file, median of {o.Runs} | NfsStore | nfs-cp | ratio | CPU s/GiB client: ours / nfs-cp | CPU s/GiB Ganesha: ours / nfs-cp |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            Console.WriteLine(Row("write (all WRITEs answered)", oursWrite, cpWrite, w));
            Console.WriteLine(FormattableString.Invariant($"| write + COMMIT (durable) | {Mib(Median(oursDurable))} | n/a (nfs-cp never commits) | | | |"));
            Console.WriteLine(Row("read", oursRead, cpRead, r));
            Console.WriteLine();
            Console.WriteLine("| file size | peak working set (write + read) | working set before |");
            Console.WriteLine("| ---: | ---: | ---: |");
            foreach (var (mib, peak, baseline) in memory)
                Console.WriteLine(FormattableString.Invariant($"| {mib} MiB | {peak / (1024.0 * 1024):0.0} MiB | {baseline / (1024.0 * 1024):0.0} MiB |"));
            Console.WriteLine();
            var met = w >= 0.8 && r >= 0.8;
            Console.WriteLine(FormattableString.Invariant($"target (>= 0.8x nfs-cp each way): {(met ? "met" : "NOT met")} (write {w:0.00}x, read {r:0.00}x)"));
            return 0;
        }
        finally
        {
            if (server is not null) await server.DisposeAsync();
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static NfsStore OpenStore(GaneshaServer server, Options o) =>
        new(server.Url(null, "timeout=60"), new NfsStoreOptions { RequestsInFlight = o.InFlight });

    private static async Task OursWriteAsync(IBackupStore store, string source, string name)
    {
        await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        await using var output = await store.CreateFileAsync(name, CreateOptions.Default, CancellationToken.None);
        await input.CopyToAsync(output, 1024 * 1024);
    }

    private static async Task OursReadAsync(IBackupStore store, string name, string destination)
    {
        await using var input = await store.OpenReadAsync(name, CancellationToken.None);
        await using var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        await input.CopyToAsync(output, 1024 * 1024);
    }

    private static async Task NfsCpAsync(string from, string to)
    {
        var psi = new ProcessStartInfo("nfs-cp") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(from);
        psi.ArgumentList.Add(to);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot run nfs-cp (apt-get install libnfs-utils)");
        var output = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"nfs-cp {from} {to} failed: {output}");
    }

    private static string LibnfsUrl(GaneshaServer s, string path) =>
        $"nfs://127.0.0.1{s.Pseudo}{path}?nfsport={s.NfsPort}&mountport={s.MountPort}&version=3";

    /// <summary>One timed transfer: bytes per second, and CPU seconds per GiB spent by the client (this process or the
    /// nfs-cp child) and by the server.</summary>
    private sealed record Sample(double Rate, double ClientCpuPerGiB, double ServerCpuPerGiB);

    private static async Task<Sample> MeasureAsync(long bytes, GaneshaServer server, Func<Task> action)
    {
        var before = CpuTimes.Read(server.ProcessId);
        var sw = Stopwatch.StartNew();
        await action();
        var seconds = sw.Elapsed.TotalSeconds;
        var after = CpuTimes.Read(server.ProcessId);
        var gib = bytes / (1024.0 * 1024 * 1024);
        var client = (after.Self - before.Self) + (after.Children - before.Children);
        return new Sample(bytes / seconds, client / gib, (after.Server - before.Server) / gib);
    }

    /// <summary>CPU seconds from /proc: this process, its reaped children, and the server.</summary>
    private readonly record struct CpuTimes(double Self, double Children, double Server)
    {
        private const double TicksPerSecond = 100; // USER_HZ, fixed for /proc on Linux

        public static CpuTimes Read(int? serverPid)
        {
            var self = Fields("/proc/self/stat");
            var server = serverPid is { } pid ? Fields($"/proc/{pid}/stat") : null;
            return new CpuTimes(
                (self[11] + self[12]) / TicksPerSecond,
                (self[13] + self[14]) / TicksPerSecond,
                server is null ? 0 : (server[11] + server[12]) / TicksPerSecond);
        }

        // Fields after "pid (comm) ": index 0 is the state; utime, stime, cutime, cstime are 11..14.
        private static double[] Fields(string path)
        {
            var text = File.ReadAllText(path);
            return text[(text.LastIndexOf(')') + 2)..].Split(' ').Select(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0).ToArray();
        }
    }

    private static string Row(string what, List<Sample> ours, List<Sample> cp, double ratio) => FormattableString.Invariant(
        $"| {what} | {Mib(Median(ours.Select(x => x.Rate)))} | {Mib(Median(cp.Select(x => x.Rate)))} | {ratio:0.00}x | {Median(ours.Select(x => x.ClientCpuPerGiB)):0.00} / {Median(cp.Select(x => x.ClientCpuPerGiB)):0.00} | {Median(ours.Select(x => x.ServerCpuPerGiB)):0.00} / {Median(cp.Select(x => x.ServerCpuPerGiB)):0.00} |");

    /// <summary>Incompressible data, so nothing on the way can shortcut it.</summary>
    private static async Task MakeSourceAsync(string path, int mib)
    {
        var block = new byte[1024 * 1024];
        var rng = new Random(12345);
        await using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        for (var i = 0; i < mib; i++)
        {
            rng.NextBytes(block);
            await fs.WriteAsync(block);
        }
    }

    private static async Task<string> HashAsync(string path)
    {
        await using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexString(await SHA256.HashDataAsync(fs));
    }

    /// <summary>Resets the kernel's peak RSS mark for this process (Linux: clear_refs 5) and returns the current RSS.</summary>
    private static long ResetPeakWorkingSet()
    {
        File.WriteAllText("/proc/self/clear_refs", "5");
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    private static long PeakWorkingSet()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64;
    }

    private static void PrintMachine(Options o, GaneshaServer server)
    {
        var mem = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=')[1].Trim('"');
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores ({cpu}), {mem.Split(':')[1].Trim()} RAM, {os}, kernel {Environment.OSVersion.Version}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"server: NFS-Ganesha (VFS) on 127.0.0.1:{server.NfsPort}, export on {(o.Disk ? "disk" : "tmpfs")}; NfsStore: {o.InFlight} requests in flight, 1 MiB transfers");
        Console.WriteLine();
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException(what);
    }

    private static double Median(IEnumerable<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static string Mib(double bytesPerSecond) => (bytesPerSecond / (1024 * 1024)).ToString("0", CultureInfo.InvariantCulture) + " MiB/s";

    private static Options? Parse(string[] args)
    {
        var o = new Options(1024, 256, 6, 8, false);
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : -1;
            switch (args[i])
            {
                case "--size-mib": o = o with { SizeMiB = Next() }; break;
                case "--small-mib": o = o with { SmallMiB = Next() }; break;
                case "--runs": o = o with { Runs = Next() }; break;
                case "--in-flight": o = o with { InFlight = Next() }; break;
                case "--disk": o = o with { Disk = true }; break;
                default: return null;
            }
            if (o.SizeMiB < 0 || o.SmallMiB < 0 || o.Runs < 0 || o.InFlight < 0) return null;
        }
        return o with { Runs = o.Runs + o.Runs % 2 };
    }
}
