using System.Diagnostics;
using System.Globalization;
using Wild.Backup.Core.Images;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Simulator.Longhorn;

namespace Wild.Backup.Bench.Images;

/// <summary>
/// A Longhorn backup of a volume with about half its 2 MiB blocks in use (random data, lz4 as Longhorn's default), turned
/// into a qcow2 image two ways in the same run, from the same block store on the same disk:
/// ours — <see cref="ImageFile"/> + <see cref="LonghornImageExport"/> (read, verify, write qcow2 in one pass, staged,
/// re-read and renamed as Export-WildVolume does); the baseline — the simulator's Longhorn restore to a raw volume file
/// (every block read and verified, as Longhorn's restore does) followed by <c>qemu-img convert -O qcow2</c>.
/// Reports wall time, image sizes (apparent and allocated), and this process's peak working-set growth during ours for two
/// volume sizes (it should not grow with the volume).
/// Options: --size-gib N (4), --small-gib N (1), --runs N (2), --dir DIR (a directory on disk; default /var/tmp).
/// </summary>
public sealed class ImageExportBenchmark : IBenchmark
{
    public string Description => "qcow2 from Longhorn's block store: ours vs restore-to-raw + qemu-img convert (4 GiB, half used), size, peak memory";

    private const long MiB = 1024 * 1024;

    public async Task<int> RunAsync(string[] args)
    {
        var sizeGiB = Arg(args, "--size-gib", 4);
        var smallGiB = Arg(args, "--small-gib", 1);
        var runs = Arg(args, "--runs", 2);
        var root = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault() ?? "/var/tmp";
        var work = Path.Combine(root, "wild-bench-image-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; work dir {root}");
            foreach (var gib in new[] { smallGiB, sizeGiB }.Distinct())
            {
                await RunSizeAsync(Path.Combine(work, gib + "g"), gib, runs);
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task RunSizeAsync(string work, int gib, int runs)
    {
        var size = gib * 1024 * MiB;
        var target = Path.Combine(work, "target");
        Directory.CreateDirectory(target);
        await using var plane = new LonghornDataPlane(new LonghornDataPlaneOptions
        {
            DataDirectory = Path.Combine(work, "volumes"),
            Locks = BlockStoreLockOptions.Longhorn with { CheckWait = TimeSpan.Zero },
        });
        plane.SetBackupTarget("default", "nfs://127.0.0.1:/export", target);
        const string volume = "pvc-bench";
        await plane.CreateVolumeAsync(new VolumeRequest { Name = volume, SizeBytes = size, BackupCompressionMethod = "lz4" }, default);
        var rng = new Random(42);
        var block = new byte[2 * MiB];
        var used = 0;
        for (long at = 0; at < size; at += block.Length)
        {
            if (rng.Next(2) == 0) continue;
            rng.NextBytes(block);
            await plane.WriteAsync(volume, at, block, default);
            used++;
        }
        await plane.CreateSnapshotAsync(volume, "snap-1", null, default);
        var handle = await plane.StartBackupAsync(new BackupRequest { BackupName = "backup-1", SnapshotName = "snap-1" }, default);
        var status = await handle.Operation.WaitAsync(TimeSpan.FromHours(1), default);
        if (status.State != "Completed") throw new InvalidOperationException($"backup: {status.State} {status.Error}");
        var url = BackupUrl.Encode("nfs://127.0.0.1:/export", volume, "backup-1");
        Console.WriteLine($"\n{gib} GiB volume, {used} of {size / block.Length} 2 MiB blocks in use ({used * 2} MiB), lz4");

        var images = Path.Combine(work, "images");
        Directory.CreateDirectory(images);
        for (var run = 1; run <= runs; run++)
        {
            // Ours: Export-WildVolume's path, from the store to a published, verified image.
            Flush();
            var oursPath = Path.Combine(images, "ours.qcow2");
            File.Delete(oursPath);
            var peak = new PeakSampler();
            var cpu0 = Cpu();
            var sw = Stopwatch.StartNew();
            await using (var store = new LocalDirectoryStore(target))
            await using (var dest = new LocalDirectoryStore(images))
            {
                var reader = new BlockStoreReader(store);
                var map = await reader.ReadBlockMapAsync(volume, "backup-1", default);
                await ImageFile.WriteAsync(dest, "ours.qcow2", LonghornImageExport.FileLength(map, ImageFormat.Qcow2), replace: true,
                    (s, ct) => LonghornImageExport.WriteAsync(reader, map, ImageFormat.Qcow2, s, null, ct), default);
            }
            var ours = sw.Elapsed;
            var oursCpu = Cpu() - cpu0;
            var peakMiB = peak.Stop() / (double)MiB;

            // Baseline: Longhorn-style restore to a raw volume, then qemu-img convert.
            Flush();
            var restored = "r-" + run;
            cpu0 = Cpu();
            sw.Restart();
            var op = await plane.StartRestoreAsync(new RestoreRequest { VolumeName = restored, FromBackup = url }, default);
            var rs = await op.WaitAsync(TimeSpan.FromHours(1), default);
            if (!string.IsNullOrEmpty(rs.Error)) throw new InvalidOperationException("restore: " + rs.Error);
            var restoreTime = sw.Elapsed;
            var restoreCpu = Cpu() - cpu0;
            var qemuPath = Path.Combine(images, "qemu.qcow2");
            File.Delete(qemuPath);
            var convertCpu = await ConvertAsync(plane.GetVolumeDataPath(restored), qemuPath);
            var baseline = sw.Elapsed;
            await plane.DeleteVolumeAsync(restored, default);

            await RunAsync("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", oursPath, qemuPath);
            var oursSize = new FileInfo(oursPath).Length;
            var qemuSize = new FileInfo(qemuPath).Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: ours {ours.TotalSeconds:F1} s | restore {restoreTime.TotalSeconds:F1} s + convert {(baseline - restoreTime).TotalSeconds:F1} s = {baseline.TotalSeconds:F1} s | " +
                $"speed-up {baseline / ours:F2}x | image ours {oursSize / (double)MiB:F1} MiB (allocated {Allocated(oursPath) / (double)MiB:F1}), " +
                $"qemu-img {qemuSize / (double)MiB:F1} MiB (allocated {Allocated(qemuPath) / (double)MiB:F1}), ratio {oursSize / (double)qemuSize:F3} | " +
                $"peak working-set growth during ours {peakMiB:F0} MiB | identical (qemu-img compare)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"       CPU: ours {oursCpu.TotalSeconds:F1} s | restore {restoreCpu.TotalSeconds:F1} s + qemu-img {convertCpu.TotalSeconds:F1} s = {(restoreCpu + convertCpu).TotalSeconds:F1} s | " +
                $"load average at the end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        }
    }

    private static TimeSpan Cpu()
    {
        using var p = Process.GetCurrentProcess();
        return p.TotalProcessorTime;
    }

    /// <summary><c>qemu-img convert -O qcow2</c>; returns its CPU time (user + system, from bash's <c>times</c>).</summary>
    private static async Task<TimeSpan> ConvertAsync(string raw, string qcow2)
    {
        var psi = new ProcessStartInfo("bash", ["-c", "qemu-img convert -O qcow2 \"$1\" \"$2\" && times", "_", raw, qcow2]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("bash did not start");
        var output = await p.StandardOutput.ReadToEndAsync();
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException("qemu-img convert: " + err);
        // times: shell user/sys, then children user/sys, as "0m1.234s 0m0.056s".
        var children = output.Trim().Split('\n')[^1].Split(' ');
        return Parse(children[0]) + Parse(children[1]);

        static TimeSpan Parse(string t)
        {
            var m = t.IndexOf('m');
            return TimeSpan.FromMinutes(int.Parse(t[..m], CultureInfo.InvariantCulture)) + TimeSpan.FromSeconds(double.Parse(t[(m + 1)..^1], CultureInfo.InvariantCulture));
        }
    }

    private static void Flush()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static long Allocated(string path)
    {
        var psi = new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var parts = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException(file + " did not start");
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {p.ExitCode} {err}");
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Samples this process's working set every 20 ms; <see cref="Stop"/> returns the peak growth over the start.</summary>
    private sealed class PeakSampler
    {
        private readonly long _start = Current();
        private long _peak;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public PeakSampler()
        {
            _peak = _start;
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    _peak = Math.Max(_peak, Current());
                    try { await Task.Delay(20, _stop.Token); } catch (OperationCanceledException) { }
                }
            });
        }

        private static long Current()
        {
            using var p = Process.GetCurrentProcess();
            return p.WorkingSet64;
        }

        public long Stop()
        {
            _stop.Cancel();
            _loop.Wait();
            return Math.Max(0, Math.Max(_peak, Current()) - _start);
        }
    }
}
