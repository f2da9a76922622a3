using System.Collections.Concurrent;
using System.Diagnostics;
using Wild.Backup.Core;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Samples;

namespace Wild.Backup.Testing;

/// <summary>A temp data dir holding the sample instance, and a destination directory beside it.</summary>
public sealed class SampleWorld : IDisposable
{
    private readonly TempDir _temp = new("wildbackup-world-");

    public SampleWorld(string instance = SampleInstance.DefaultName, int seed = 7)
    {
        DataDir = _temp.Combine("data");
        Destination = _temp.Combine("nas");
        DestinationUri = Destination;
        Directory.CreateDirectory(Destination);
        (InstancePath, Secrets) = SampleInstance.Write(DataDir, instance, seed);
        Instance = instance;
    }

    public string DataDir { get; }

    /// <summary>The destination as this machine sees it: the directory tests read and write directly
    /// (for an NFS destination, the directory the server exports).</summary>
    public string Destination { get; private set; }

    /// <summary>The destination as the engine is given it: the same path, or an nfs:// URL serving it.</summary>
    public string DestinationUri { get; private set; }

    /// <summary>Backs up to <paramref name="uri"/> (e.g. nfs://127.0.0.1:2049/export/t-1), which serves <paramref name="localView"/>.</summary>
    public void UseDestination(string uri, string localView)
    {
        DestinationUri = uri;
        Destination = localView;
    }
    public string Instance { get; }
    public string InstancePath { get; }
    public IReadOnlyList<string> Secrets { get; }
    public string Root => _temp.Path;

    public InstanceSelector Selector => new(DataDir, Instance, DestinationUri);

    public string BackupDir(string relative) => Path.Combine(Destination, Instance, "backups", relative);

    public void Dispose() => _temp.Dispose();

    public static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    /// <summary>Runs a process and returns its exit code and output (fails the test if it does not end in time).</summary>
    public static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 2 minutes");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>Collects every event the engine reports.</summary>
public sealed class RecordingObserver : IOperationObserver
{
    public ConcurrentQueue<OperationEvent> Events { get; } = new();
    public void OnEvent(OperationEvent e) => Events.Enqueue(e);
    public IEnumerable<OperationEvent> Progress(string target) => Events.Where(e => e.Kind == OperationEventKind.Progress && e.Target == target);
    public string AllText => string.Join("\n", Events.Select(e => $"{e.Target} {e.Activity} {e.Milestone} {e.Message}"));
}
