namespace Wild.Backup.Bench;

/// <summary>A benchmark program: measures our code and its baseline in the same run and prints a table.</summary>
public interface IBenchmark
{
    string Description { get; }
    Task<int> RunAsync(string[] args);
}

/// <summary>Every benchmark, by the name given on the command line. One line per benchmark.</summary>
public static class BenchmarkRegistry
{
    public static readonly SortedDictionary<string, IBenchmark> All = new(StringComparer.Ordinal)
    {
        ["api-load"] = new Api.ApiLoadBenchmark(),
        ["config-backup"] = new ConfigBackup.ConfigBackupBenchmark(),
        ["sse-fanout"] = new Api.SseFanoutBenchmark(),
        ["image-export"] = new Images.ImageExportBenchmark(),
        ["nfs"] = new Nfs.NfsThroughputBenchmark(),
    };
}
