using System.Diagnostics;
using System.Globalization;
using Wild.Backup.Core;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Samples;

namespace Wild.Backup.Bench.Api;

/// <summary>
/// Issue 3: <c>GET /api/v1/instances/{instance}/backups</c> at a constant 1,000 requests/s from this process against
/// wild-api in another, for a fixed time; latency measured from each request's scheduled send time (open loop, so a
/// stall is not hidden by the generator slowing down). Target: sustained, p99 under 10 ms. wrk's closed-loop maximum is
/// printed beside it for context.
/// </summary>
public sealed class ApiLoadBenchmark : IBenchmark
{
    public string Description => "GET …/backups at 1,000 req/s from a second process: achieved rate and latency percentiles";

    public async Task<int> RunAsync(string[] args)
    {
        var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 15;
        var root = Path.Combine(Path.GetTempPath(), "wildbackup-apibench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = Path.Combine(root, "data");
            var dest = Path.Combine(root, "nas");
            Directory.CreateDirectory(dest);
            SampleInstance.Write(data, "demo-cloud", 5);
            var engine = new WildBackupEngine();
            var selector = new InstanceSelector(data, "demo-cloud", dest);
            await foreach (var _ in engine.BackupAppsAsync(selector, null, NullObserver.Instance, CancellationToken.None)) { }
            await engine.BackupClusterAsync(selector, NullObserver.Instance, CancellationToken.None);

            await using var server = await ApiServerProcess.StartAsync(data, dest);
            var url = new Uri(server.Uri, "/api/v1/instances/demo-cloud/backups");
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
            for (var i = 0; i < 500; i++) (await http.GetAsync(url)).EnsureSuccessStatusCode(); // warm-up

            var total = rate * seconds;
            var latencies = new double[total];
            var failures = 0;
            var clock = Stopwatch.StartNew();
            var tasks = new Task[total];
            for (var i = 0; i < total; i++)
            {
                var due = TimeSpan.FromSeconds((double)i / rate);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
                var index = i;
                tasks[i] = Task.Run(async () =>
                {
                    try
                    {
                        using var r = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead);
                        if (!r.IsSuccessStatusCode) Interlocked.Increment(ref failures);
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                    latencies[index] = (clock.Elapsed - due).TotalMilliseconds;
                });
            }
            await Task.WhenAll(tasks);
            var elapsed = clock.Elapsed.TotalSeconds;
            var sorted = latencies.Order().ToList();
            Console.WriteLine($"| requests | failed | offered rate | achieved rate | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
            Console.WriteLine($"| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            Console.WriteLine($"| {total} | {failures} | {rate}/s | {total / elapsed:F0}/s | {Percentiles.Of(sorted, 50):F2} | {Percentiles.Of(sorted, 90):F2} | {Percentiles.Of(sorted, 99):F2} | {Percentiles.Of(sorted, 99.9):F2} | {sorted[^1]:F2} |");

            // Context: how far it goes when driven as hard as possible (closed loop).
            var wrk = Process.Start(new ProcessStartInfo("wrk", $"-t2 -c32 -d10s --latency {url}") { RedirectStandardOutput = true });
            if (wrk is not null)
            {
                var text = await wrk.StandardOutput.ReadToEndAsync();
                await wrk.WaitForExitAsync();
                Console.WriteLine();
                Console.WriteLine("wrk -t2 -c32 -d10s --latency (closed loop, saturating):");
                foreach (var line in text.Split('\n').Where(l => l.Contains("Requests/sec") || l.Contains("99%") || l.Contains("50%"))) Console.WriteLine("  " + line.Trim());
            }
            return failures == 0 ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
