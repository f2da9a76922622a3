using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Samples;

namespace Wild.Backup.Bench.Api;

/// <summary>
/// Issue 3: 200 SSE subscribers on one operation (wild-api in another process) each receive every progress event; the
/// latency of an event is its arrival at a subscriber minus the time the engine stamped on it. Target: p99 under 50 ms.
/// The operation is a backup of a large app, so it emits a steady run of byte progress.
/// </summary>
public sealed class SseFanoutBenchmark : IBenchmark
{
    public string Description => "200 SSE subscribers on one operation: per-event delivery latency percentiles";

    public async Task<int> RunAsync(string[] args)
    {
        var subscribers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var appMiB = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 400;
        var root = Path.Combine(Path.GetTempPath(), "wildbackup-ssebench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var data = Path.Combine(root, "data");
            var dest = Path.Combine(root, "nas");
            Directory.CreateDirectory(dest);
            var (instance, _) = SampleInstance.Write(data, "demo-cloud", 5);
            var rng = new Random(1);
            var chunk = new byte[1 << 20];
            using (var fs = File.Create(Path.Combine(instance, "apps", "gitea", "config", "blob.bin")))
            {
                for (var i = 0; i < appMiB; i++) { rng.NextBytes(chunk); fs.Write(chunk); }
            }
            await using var server = await ApiServerProcess.StartAsync(data, dest);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = subscribers + 16 }) { BaseAddress = server.Uri, Timeout = Timeout.InfiniteTimeSpan };

            var accepted = await (await http.PostAsync("/api/v1/instances/demo-cloud/apps/gitea/backup", null)).Content.ReadFromJsonAsync<JsonObject>();
            var id = accepted!["operation_id"]!.GetValue<string>();
            var latencies = new List<double>[subscribers];
            var counts = new int[subscribers];
            var readers = Enumerable.Range(0, subscribers).Select(async s =>
            {
                var mine = latencies[s] = [];
                var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/instances/demo-cloud/operations/{id}/events");
                request.Headers.Add("Last-Event-ID", "0"); // the whole history, then live
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                var connected = DateTimeOffset.MaxValue;
                string? type = null;
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (connected == DateTimeOffset.MaxValue && line.Length > 0) connected = DateTimeOffset.UtcNow; // "retry:", the first frame
                    if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        var received = DateTimeOffset.UtcNow;
                        var node = JsonNode.Parse(line.AsSpan(6).ToString())!;
                        if (type == "operation:progress" && node["detail"]?["time"] is { } t && node["detail"]!["kind"]?.GetValue<string>() == "progress")
                        {
                            counts[s]++;
                            // Live events only: what the engine emitted before this subscriber had its stream open is
                            // replayed history, old by construction.
                            var sent = DateTimeOffset.Parse(t.GetValue<string>(), CultureInfo.InvariantCulture);
                            if (sent >= connected) mine.Add((received - sent).TotalMilliseconds);
                        }
                        if (type is "operation:completed" or "operation:failed" or "operation:cancelled") break;
                    }
                }
            }).ToArray();
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(readers);
            var all = latencies.SelectMany(l => l).Order().ToList();
            Console.WriteLine($"operation {id}: {sw.Elapsed.TotalSeconds:F1} s, {subscribers} subscribers, progress events per subscriber: min {counts.Min()} max {counts.Max()}, live (measured) {all.Count}");
            Console.WriteLine("| samples | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
            Console.WriteLine($"| {all.Count} | {Percentiles.Of(all, 50):F2} | {Percentiles.Of(all, 90):F2} | {Percentiles.Of(all, 99):F2} | {Percentiles.Of(all, 99.9):F2} | {all[^1]:F2} |");
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
