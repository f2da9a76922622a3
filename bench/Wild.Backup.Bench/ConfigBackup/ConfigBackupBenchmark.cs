using System.Diagnostics;
using System.Globalization;
using Wild.Backup.Core;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Samples;

namespace Wild.Backup.Bench.ConfigBackup;

/// <summary>
/// Issue 2's target: <c>Backup-WildApp -All</c> + <c>Backup-WildCluster</c> (no volumes, verification included) on a
/// generated 100-app instance, against <c>tar czf</c> of the same instance tree followed by <c>sync</c>, in the same
/// run; at most 1.5× the baseline's time. Memory: peak working set of a child process backing up 50, 100 and 400 apps.
/// </summary>
public sealed class ConfigBackupBenchmark : IBenchmark
{
    public string Description => "Backup-WildApp -All + Backup-WildCluster (100 apps) vs tar czf + sync; memory by app count";

    public async Task<int> RunAsync(string[] args)
    {
        if (args is ["child", var count, var childDir]) return await ChildAsync(int.Parse(count, CultureInfo.InvariantCulture), childDir);
        if (args is ["loop", var loops, var loopDir, var loopDest]) return await LoopAsync(int.Parse(loops, CultureInfo.InvariantCulture), loopDir, loopDest);
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 7;
        var root = Path.Combine(Path.GetTempPath(), "wildbackup-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = Path.Combine(root, "data");
            var instance = SampleInstance.WriteGenerated(data, "bench-cloud", 100);
            var files = Directory.EnumerateFiles(instance, "*", SearchOption.AllDirectories).ToList();
            Console.WriteLine($"instance: 100 apps, {files.Count} files, {files.Sum(f => new FileInfo(f).Length):N0} bytes; {runs} interleaved runs per destination");
            Console.WriteLine($"file creation on this machine: {CreateCostMicroseconds(root):F0} us on the disk (/tmp)");
            Console.WriteLine();
            Console.WriteLine("| destination | WildBackup median ms (min–max) | tar czf + sync median ms (min–max) | ratio |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");

            await CompareAsync("disk (ext4, /tmp)", Path.Combine(root, "disk-nas"), data, instance, runs);
            var tmpfs = Path.Combine(root, "tmpfs-nas");
            Directory.CreateDirectory(tmpfs);
            if (Run("mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", tmpfs) == 0)
            {
                try
                {
                    await CompareAsync($"tmpfs (file creation {CreateCostMicroseconds(tmpfs):F0} us)", tmpfs, data, instance, runs);
                }
                finally
                {
                    Run("umount", "-l", tmpfs);
                }
            }
            else
            {
                Console.WriteLine("| tmpfs | (cannot mount a tmpfs: run as root) | | |");
            }

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
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Ours and the baseline, interleaved, writing to the same destination.</summary>
    private static async Task CompareAsync(string label, string destination, string data, string instance, int runs)
    {
        Directory.CreateDirectory(destination);
        var engine = new WildBackupEngine();
        var selector = new InstanceSelector(data, "bench-cloud", destination);
        await BackupAllAsync(engine, selector); // warm-up (JIT); later runs also replace a previous backup, as in production
        var ours = new List<double>();
        var baseline = new List<double>();
        var tarball = Path.Combine(destination, "baseline.tar.gz");
        var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            await BackupAllAsync(engine, selector);
            ours.Add(sw.Elapsed.TotalMilliseconds);

            File.Delete(tarball);
            sw.Restart();
            if (Run("tar", "czf", tarball, "-C", instance, ".") != 0 || Run("sync") != 0) throw new InvalidOperationException("baseline failed");
            baseline.Add(sw.Elapsed.TotalMilliseconds);
        }
        var (o, b) = (Median(ours), Median(baseline));
        Console.WriteLine($"| {label} | {o:F1} ({ours.Min():F1}–{ours.Max():F1}) | {b:F1} ({baseline.Min():F1}–{baseline.Max():F1}) | {o / b:F2}x |");
        // Code still being compiled during the timed runs: methods running unoptimized (tier 0) until recompiled.
        Console.Error.WriteLine($"{label}: {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} methods compiled during the timed runs " +
                                $"({(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds:F0} ms of JIT)");
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
            var (alloc, g0, g1, g2) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var sw = Stopwatch.StartNew();
            await BackupAllAsync(engine, selector);
            var wall = sw.Elapsed.TotalMilliseconds;
            p.Refresh();
            Console.WriteLine($"run {i}: wall {wall:F1} ms user {(p.UserProcessorTime - u).TotalMilliseconds:F0} sys {(p.PrivilegedProcessorTime - k).TotalMilliseconds:F0} jit {System.Runtime.JitInfo.GetCompiledMethodCount() - jit} alloc {(GC.GetTotalAllocatedBytes() - alloc) / 1048576.0:F1} MiB gc {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}");
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
