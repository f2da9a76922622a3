using System.Globalization;
using System.Management.Automation;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>
/// Turns one operation's progress events into ProgressRecords a person can follow, however many targets are in flight:
/// <list type="bullet">
/// <item>one activity id per target; a target with a parent (each app of a <c>-All</c> or pipeline run) is a child bar
/// under the run's bar (<c>ParentActivityId</c>). A child that reports before its parent gets the parent's bar first, so
/// no bar is ever drawn at the top level by mistake;</item>
/// <item>bytes inside a range milestone as "12.0 MiB of 64.0 MiB, 8.0 MiB/s" with <c>SecondsRemaining</c>, the rate measured
/// from the event times (the engine's clock, so a server's events give the same figures);</item>
/// <item>a Completed record for every bar: when its target ends, and in <see cref="Finish"/> for bars still open when the
/// operation ends early (failure, Ctrl-C) — children before their parent, so the console is left clean.</item>
/// </list>
/// PowerShell shows the bars (pwsh's console host draws each child under its parent). Not thread-safe: one renderer per
/// watched operation, fed in event order.
/// </summary>
internal sealed class ProgressRenderer
{
    private readonly Dictionary<string, Bar> _bars = new(StringComparer.Ordinal);

    private sealed class Bar(int id)
    {
        public int Id { get; } = id;
        public int Parent { get; set; } = -1;
        public string Activity { get; set; } = "";
        public bool Open { get; set; }
        public string? RateMilestone { get; set; }
        public long RateStartBytes { get; set; }
        public DateTimeOffset RateStart { get; set; }
    }

    /// <summary>The records to write for one event (its parent's bar first when that is not shown yet).</summary>
    public IReadOnlyList<ProgressRecord> Render(OperationEvent e)
    {
        var records = new List<ProgressRecord>(2);
        var bar = BarOf(e.Target);
        if (e.Parent is { } parentTarget)
        {
            var parent = BarOf(parentTarget);
            bar.Parent = parent.Id;
            if (!parent.Open)
            {
                // The run's own first event may come after its first app's: open the run's bar now.
                parent.Open = true;
                parent.Activity = parent.Activity.Length > 0 ? parent.Activity : "Backing up apps";
                records.Add(new ProgressRecord(parent.Id, parent.Activity, "Starting") { PercentComplete = 0 });
            }
        }
        bar.Activity = e.Activity;
        var status = string.IsNullOrEmpty(e.Message) ? e.Milestone : $"{e.Milestone}: {e.Message}";
        var record = new ProgressRecord(bar.Id, e.Activity, status)
        {
            PercentComplete = Math.Clamp(e.Percent, 0, 100),
            ParentActivityId = bar.Parent,
            RecordType = e.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (e.BytesTotal is { } total && e.BytesDone is { } done) Measure(bar, e, done, total, record);
        bar.Open = !e.Completed;
        records.Add(record);
        return records;
    }

    /// <summary>Completed records for the bars still open: children first, then the bars they hang under.</summary>
    public IReadOnlyList<ProgressRecord> Finish()
    {
        var open = _bars.Values.Where(b => b.Open).OrderByDescending(b => b.Parent >= 0).ThenByDescending(b => b.Id).ToList();
        foreach (var b in open) b.Open = false;
        return open.Select(b => new ProgressRecord(b.Id, b.Activity.Length > 0 ? b.Activity : "WildBackup", "Stopped")
        {
            ParentActivityId = b.Parent,
            RecordType = ProgressRecordType.Completed,
        }).ToList();
    }

    private static void Measure(Bar bar, OperationEvent e, long done, long total, ProgressRecord record)
    {
        var text = $"{Bytes(done)} of {Bytes(total)}";
        if (bar.RateMilestone != e.Milestone || done < bar.RateStartBytes)
        {
            // A new range (or a restarted count): measure from here.
            bar.RateMilestone = e.Milestone;
            bar.RateStartBytes = done;
            bar.RateStart = e.Time;
        }
        else
        {
            var seconds = (e.Time - bar.RateStart).TotalSeconds;
            var moved = done - bar.RateStartBytes;
            if (seconds >= 0.5 && moved > 0)
            {
                var rate = moved / seconds;
                text += $", {Bytes((long)rate)}/s";
                record.SecondsRemaining = (int)Math.Min(int.MaxValue, Math.Ceiling((total - done) / rate));
            }
        }
        record.CurrentOperation = text;
    }

    private Bar BarOf(string target)
    {
        if (!_bars.TryGetValue(target, out var bar)) _bars[target] = bar = new Bar(_bars.Count + 1);
        return bar;
    }

    internal static string Bytes(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1024 * 1024 => (n / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (n / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (n / 1073741824.0).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };
}
