using System.Diagnostics;
using System.Globalization;
using Wild.Backup.Core;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Samples;

namespace Wild.Backup.Bench.ConfigBackup;

/// <summary>
/// Issue 2's target: <c>Backup-WildApp -All</c> + <c>Backup-WildCluster</c> (no volumes, verification included) on a
/// generated 100-app instance, against <c>tar czf</c> of the same instance tree followed by <c>sync</c>, in the same
/// run; at most 1.5× the baseline's time. Beside both, the <see cref="LayoutFloor"/>: what the layout's file operations
/// alone cost on the destination. On the machine's disk, a fresh ext4 and a tmpfs; with the code early (right after
/// the first run) and steady (the JIT settled). Memory: peak working set of a child process backing up 50, 100 and 400 apps.
/// </summary>
public sealed class ConfigBackupBenchmark : IBenchmark
{
    public string Description => "Backup-WildApp -All + Backup-WildCluster (100 apps) vs tar czf + sync and the layout's own file operations; memory by app count";

    public async Task<int> RunAsync(string[] args)
    {
        if (args is ["child", var count, var childDir]) return await ChildAsync(int.Parse(count, CultureInfo.InvariantCulture), childDir);
        if (args is ["loop", var loops, var loopDir, var loopDest]) return await LoopAsync(int.Parse(loops, CultureInfo.InvariantCulture), loopDir, loopDest);
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var root = Path.Combine(Path.GetTempPath(), "wildbackup-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var mounts = new List<string>();
        try
        {
            var data = Path.Combine(root, "data");
            var instance = SampleInstance.WriteGenerated(data, "bench-cloud", 100);
            var files = Directory.EnumerateFiles(instance, "*", SearchOption.AllDirectories).ToList();
            Console.WriteLine($"instance: 100 apps, {files.Count} files, {files.Sum(f => new FileInfo(f).Length):N0} bytes; {runs} interleaved runs per row");

            // The machine's disk as it is mounted; the same disk through a fresh ext4 with default options (a loop
            // device: no discard on delete, as Debian mounts a data disk); memory (tmpfs): what is left is our CPU.
            var destinations = new List<Destination>
            {
                new($"disk ({MountOf(root)})", Path.Combine(root, "disk-nas"), data, instance),
            };
            var ext4 = Path.Combine(root, "ext4-nas");
            var image = Path.Combine(root, "ext4.img");
            Directory.CreateDirectory(ext4);
            if (Run("truncate", "-s", "1G", image) == 0 && Run("mkfs.ext4", "-q", "-F", image) == 0 && Run("mount", "-o", "loop", image, ext4) == 0)
            {
                mounts.Add(ext4);
                destinations.Add(new Destination("disk, fresh ext4 with default options (loop device)", ext4, data, instance));
            }
            var tmpfs = Path.Combine(root, "tmpfs-nas");
            Directory.CreateDirectory(tmpfs);
            if (Run("mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", tmpfs) == 0)
            {
                mounts.Add(tmpfs);
                destinations.Add(new Destination("tmpfs", tmpfs, data, instance));
            }
            if (destinations.Count < 3) Console.WriteLine("(cannot mount the ext4 image or the tmpfs: run as root)");
            Console.WriteLine("file creation: " + string.Join(", ", destinations.Select(d => $"{d.CreateCostMicroseconds():F0} us on {d.Label}")));
            Console.WriteLine();
            Console.WriteLine("| code | destination | WildBackup median ms (min–max) | layout floor median ms | tar czf + sync median ms (min–max) | WildBackup / tar | floor / tar |");
            Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");

            // Early: the runs right after the first, while the runtime still compiles and recompiles methods (what a
            // second Backup-WildApp in the same pwsh session meets).
            var cold = 0.0;
            foreach (var d in destinations)
            {
                var first = await d.PrepareAsync();
                if (cold == 0) cold = first;
                await d.CompareAsync("early (after 1 run)", runs);
            }

            // Steady: once the tiered JIT has settled (what BenchmarkDotNet would report; a long-running wild-api).
            var (warmRuns, warmTime) = await destinations[^1].WarmUntilSteadyAsync();
            foreach (var d in destinations) await d.CompareAsync("steady", runs);
            Console.WriteLine();
            Console.WriteLine($"first run in this process (cold: JIT): {cold:F0} ms; steady after {warmRuns} more runs ({warmTime.TotalSeconds:F0} s) until no method was compiled for {SteadyRuns} runs in a row");
            Console.WriteLine("layout floor by phase, ms per run:");
            foreach (var d in destinations) Console.WriteLine($"  {d.Label}: {d.FloorPhases()}");

            Console.WriteLine();
            Console.WriteLine("| apps | peak working set MiB (child process) | GC heap after the run MiB |");
            Console.WriteLine("| ---: | ---: | ---: |");
            foreach (var n in new[] { 50, 100, 400 })
            {
                var dir = Path.Combine(root, "mem-" + n);
                var (ws, heap) = MeasureChild(n, dir);
                Console.WriteLine($"| {n} | {ws / 1048576.0:F1} | {heap / 1048576.0:F1} |");
            }
            return 0;
        }
        finally
        {
            foreach (var m in mounts) Run("umount", "-l", m);
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Runs without any method compiled that count as "the JIT has settled".</summary>
    private const int SteadyRuns = 25;

    /// <summary>One destination: ours, the layout floor and the baseline, interleaved, all writing to it.</summary>
    private sealed class Destination(string label, string path, string data, string instance)
    {
        public string Label => label;

        public double CreateCostMicroseconds()
        {
            Directory.CreateDirectory(path);
            return ConfigBackupBenchmark.CreateCostMicroseconds(path);
        }

        private readonly WildBackupEngine _engine = new();
        private readonly InstanceSelector _selector = new(data, "bench-cloud", path);
        private LayoutFloor? _floor;

        /// <summary>The first backup (later runs replace it, as in production); returns its time.</summary>
        public async Task<double> PrepareAsync()
        {
            Directory.CreateDirectory(path);
            var sw = Stopwatch.StartNew();
            await BackupAllAsync(_engine, _selector);
            var first = sw.Elapsed.TotalMilliseconds;
            _floor = new LayoutFloor(Path.Combine(path, "bench-cloud", "backups"), Path.Combine(path, "floor"));
            _floor.Run();
            return first;
        }

        public async Task CompareAsync(string code, int runs)
        {
            var (ours, floor, baseline) = (new List<double>(), new List<double>(), new List<double>());
            var tarball = Path.Combine(path, "baseline.tar.gz");
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            for (var i = 0; i < runs; i++)
            {
                var sw = Stopwatch.StartNew();
                await BackupAllAsync(_engine, _selector);
                ours.Add(sw.Elapsed.TotalMilliseconds);

                sw.Restart();
                _floor!.Run();
                floor.Add(sw.Elapsed.TotalMilliseconds);

                File.Delete(tarball);
                sw.Restart();
                if (Run("tar", "czf", tarball, "-C", instance, ".") != 0 || Run("sync") != 0) throw new InvalidOperationException("baseline failed");
                baseline.Add(sw.Elapsed.TotalMilliseconds);
            }
            var (o, f, b) = (Median(ours), Median(floor), Median(baseline));
            Console.WriteLine($"| {code} | {label} | {o:F1} ({ours.Min():F1}–{ours.Max():F1}) | {f:F1} | {b:F1} ({baseline.Min():F1}–{baseline.Max():F1}) | {o / b:F2}x | {f / b:F2}x |");
            // Code still compiled during the timed runs: methods running unoptimized (tier 0) or instrumented until recompiled.
            Console.Error.WriteLine($"{code}, {label}: {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} methods compiled during the timed runs");
        }

        public string FloorPhases() =>
            string.Join(", ", _floor!.PhaseTotals.Select(p => $"{p.Key} {p.Value / _floor.Runs:F1}"));

        /// <summary>Backs up until no method has been compiled for <see cref="SteadyRuns"/> runs in a row (at most
        /// 2,000 runs or 3 minutes).</summary>
        public async Task<(int Runs, TimeSpan Time)> WarmUntilSteadyAsync()
        {
            var sw = Stopwatch.StartNew();
            var (n, quiet) = (0, 0);
            while (quiet < SteadyRuns && n < 2000 && sw.Elapsed < TimeSpan.FromMinutes(3))
            {
                var before = System.Runtime.JitInfo.GetCompiledMethodCount();
                await BackupAllAsync(_engine, _selector);
                n++;
                quiet = System.Runtime.JitInfo.GetCompiledMethodCount() == before ? quiet + 1 : 0;
            }
            return (n, sw.Elapsed);
        }
    }

    /// <summary>Microseconds to create (and close) an empty file in <paramref name="dir"/>: the cost this layout pays per file.</summary>
    private static double CreateCostMicroseconds(string dir)
    {
        var probe = Path.Combine(dir, ".create-probe");
        Directory.CreateDirectory(probe);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++) new FileStream(Path.Combine(probe, "f" + i), FileMode.CreateNew).Dispose();
        var us = sw.Elapsed.TotalMilliseconds * 1000 / 300;
        Directory.Delete(probe, recursive: true);
        return us;
    }

    private static async Task BackupAllAsync(WildBackupEngine engine, InstanceSelector selector)
    {
        await foreach (var outcome in engine.BackupAppsAsync(selector, null, NullObserver.Instance, CancellationToken.None))
        {
            if (outcome.Error is not null) throw outcome.Error;
        }
        await engine.BackupClusterAsync(selector, NullObserver.Instance, CancellationToken.None);
    }

    /// <summary>For profiling (perf, strace): <c>config-backup loop N dir dest</c> backs up a generated 100-app instance
    /// N times in one process and prints wall and CPU time, JIT and allocations of each run.</summary>
    private static async Task<int> LoopAsync(int runs, string dir, string dest)
    {
        var data = Path.Combine(dir, "data");
        if (!Directory.Exists(data)) SampleInstance.WriteGenerated(data, "bench-cloud", 100);
        Directory.CreateDirectory(dest);
        var selector = new InstanceSelector(data, "bench-cloud", dest);
        var engine = new WildBackupEngine();
        var p = Process.GetCurrentProcess();
        for (var i = 0; i < runs; i++)
        {
            p.Refresh();
            var (u, k) = (p.UserProcessorTime, p.PrivilegedProcessorTime);
            var jit = System.Runtime.JitInfo.GetCompiledMethodCount();
            var (alloc, g0, g1, g2, pause) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            var sw = Stopwatch.StartNew();
            await BackupAllAsync(engine, selector);
            var wall = sw.Elapsed.TotalMilliseconds;
            p.Refresh();
            Console.WriteLine($"run {i}: wall {wall:F1} ms user {(p.UserProcessorTime - u).TotalMilliseconds:F0} sys {(p.PrivilegedProcessorTime - k).TotalMilliseconds:F0} jit {System.Runtime.JitInfo.GetCompiledMethodCount() - jit} alloc {(GC.GetTotalAllocatedBytes() - alloc) / 1048576.0:F1} MiB gc {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2} (pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F1} ms)");
        }
        return 0;
    }

    private static async Task<int> ChildAsync(int apps, string dir)
    {
        var data = Path.Combine(dir, "data");
        SampleInstance.WriteGenerated(data, "mem-cloud", apps);
        var dest = Path.Combine(dir, "nas");
        Directory.CreateDirectory(dest);
        var selector = new InstanceSelector(data, "mem-cloud", dest);
        var engine = new WildBackupEngine();
        GC.Collect();
        await BackupAllAsync(engine, selector);
        await BackupAllAsync(engine, selector);
        var p = Process.GetCurrentProcess();
        p.Refresh();
        Console.WriteLine($"{p.PeakWorkingSet64} {GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes}");
        return 0;
    }

    private static (long WorkingSet, long Heap) MeasureChild(int apps, string dir)
    {
        var self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(ConfigBackupBenchmark).Assembly.Location);
        foreach (var a in new[] { "config-backup", "child", apps.ToString(CultureInfo.InvariantCulture), dir }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var line = p.StandardOutput.ReadToEnd().Trim().Split('\n')[^1].Split(' ');
        p.WaitForExit();
        return (long.Parse(line[0], CultureInfo.InvariantCulture), long.Parse(line[1], CultureInfo.InvariantCulture));
    }

    /// <summary>"/tmp, ext4 rw,relatime,discard": the mount point, type and options of the file system holding <paramref name="dir"/>.</summary>
    private static string MountOf(string dir)
    {
        var psi = new ProcessStartInfo("findmnt") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-no", "TARGET,FSTYPE,OPTIONS", "-T", dir }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var fields = p.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        p.WaitForExit();
        return fields.Length == 3 ? $"{fields[0]}, {fields[1]} {fields[2]}" : "file system unknown";
    }

    private static int Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
