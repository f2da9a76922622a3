using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Bench.ConfigBackup;

/// <summary>
/// The least any implementation of the design's layout must do on a destination: the file operations of a latest-only,
/// verified, locked backup of every slot, with nothing else — no reading of the instance, no archiving, compression or
/// hashing (the bytes are our last backup's, held in memory), the plain .NET file API, each phase on as many threads as
/// the engine uses (<see cref="Concurrently.Degree"/>), flushed as the local store flushes (syncfs). Per slot, as the
/// engine does: a lock (temp file + rename), a staging directory with <c>volumes/</c> and the backup's files and
/// <c>backup.json.tmp</c>; flush; read every file back, seal (rename), publish (live → old, staging → live); flush;
/// remove the old backup; flush; remove the lock. Timed beside ours and tar's, it tells what the layout costs on a
/// file system whatever the code around it.
/// </summary>
internal sealed class LayoutFloor
{
    private readonly string _root;
    private readonly List<Slot> _slots = [];
    private int _run;

    private sealed record Slot(string Parent, string Name, bool HasVolumes, List<(string Name, byte[] Bytes)> Files);

    /// <summary>Takes the shape and bytes of every slot of a backup tree (<c>{dest}/{instance}/backups</c>).</summary>
    public LayoutFloor(string backupsDir, string root)
    {
        _root = root;
        var slots = Directory.EnumerateDirectories(Path.Combine(backupsDir, "apps")).Select(d => ("apps", d))
            .Append(("", Path.Combine(backupsDir, "cluster")));
        foreach (var (parent, dir) in slots)
        {
            var files = Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
            _slots.Add(new Slot(Path.Combine(root, parent), Path.GetFileName(dir), Directory.Exists(Path.Combine(dir, "volumes")), files));
        }
        foreach (var p in _slots.Select(s => s.Parent).Distinct()) Directory.CreateDirectory(p);
    }

    /// <summary>Milliseconds spent in each phase over the runs after the first (which replaces nothing), and their number.</summary>
    public IReadOnlyDictionary<string, double> PhaseTotals => _phases;
    public int Runs => Math.Max(1, _run - 1);
    private readonly Dictionary<string, double> _phases = [];
    private readonly System.Diagnostics.Stopwatch _clock = new();

    private void Phase(string name)
    {
        if (_run > 1) _phases[name] = _phases.GetValueOrDefault(name) + _clock.Elapsed.TotalMilliseconds;
        _clock.Restart();
    }

    public void Run()
    {
        var n = _run++;
        var lockBytes = new byte[180];
        _clock.Restart();
        Each(_slots, s =>
        {
            var temp = Path.Combine(s.Parent, $".{s.Name}.lock-{n}.tmp");
            File.WriteAllBytes(temp, lockBytes);
            File.Move(temp, Path.Combine(s.Parent, $".{s.Name}.lock"));
        });
        Phase("lock");
        Each(_slots, s =>
        {
            var staging = Staging(s, n);
            Directory.CreateDirectory(staging);
            if (s.HasVolumes) Directory.CreateDirectory(Path.Combine(staging, "volumes"));
            foreach (var (name, bytes) in s.Files) File.WriteAllBytes(Path.Combine(staging, name == "backup.json" ? "backup.json.tmp" : name), bytes);
        });
        Phase("stage");
        Flush();
        Phase("flush");
        var olds = new System.Collections.Concurrent.ConcurrentBag<string>();
        Each(_slots, s =>
        {
            var staging = Staging(s, n);
            foreach (var (name, _) in s.Files)
            {
                if (name != "backup.json") File.ReadAllBytes(Path.Combine(staging, name));
            }
            File.Move(Path.Combine(staging, "backup.json.tmp"), Path.Combine(staging, "backup.json"));
            var live = Path.Combine(s.Parent, s.Name);
            if (Directory.Exists(live))
            {
                var old = Path.Combine(s.Parent, $".{s.Name}.old-{n}");
                Directory.Move(live, old);
                olds.Add(old);
            }
            Directory.Move(staging, live);
        });
        Phase("verify+publish");
        Flush();
        Phase("flush");
        Each(olds, old => Directory.Delete(old, recursive: true));
        Phase("remove");
        Flush();
        Phase("flush");
        Each(_slots, s => File.Delete(Path.Combine(s.Parent, $".{s.Name}.lock")));
        Phase("unlock");
    }

    private static void Each<T>(IEnumerable<T> items, Action<T> body) =>
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = Concurrently.Degree }, body);

    private static string Staging(Slot s, int n) => Path.Combine(s.Parent, $".{s.Name}.staging-{n}");

    private void Flush()
    {
        if (!FileSystemSync.SyncFileSystem(_root)) throw new PlatformNotSupportedException("the layout floor needs syncfs (Linux)");
    }
}
