// wild-bench: the project's benchmarks, each run side by side with its named baseline in one run.
// Usage: dotnet run -c Release --project bench/Wild.Backup.Bench -- <benchmark> [options]
// Results and the machine they were taken on go into docs/PERFORMANCE.md.
using Wild.Backup.Bench;

var benchmarks = BenchmarkRegistry.All;
if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine("usage: wild-bench <benchmark> [options]\nbenchmarks:");
    foreach (var (name, b) in benchmarks) Console.Error.WriteLine($"  {name,-16} {b.Description}");
    return 2;
}
return await run.RunAsync(args[1..]);
