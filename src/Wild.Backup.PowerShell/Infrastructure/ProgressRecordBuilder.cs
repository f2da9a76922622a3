using System.Globalization;
using System.Management.Automation;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>Turns engine progress events into ProgressRecords: one activity id per target, nested under its parent
/// (each app of a <c>-All</c> run under the run's overall bar).</summary>
internal sealed class ProgressRecordBuilder
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public ProgressRecord Build(OperationEvent e)
    {
        int id, parent = -1;
        lock (_gate)
        {
            id = IdOf(e.Target);
            if (e.Parent is { } p) parent = IdOf(p);
        }
        var status = string.IsNullOrEmpty(e.Message) ? e.Milestone : $"{e.Milestone}: {e.Message}";
        return new ProgressRecord(id, e.Activity, status)
        {
            PercentComplete = Math.Clamp(e.Percent, 0, 100),
            ParentActivityId = parent,
            RecordType = e.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            CurrentOperation = e.BytesTotal is { } total && e.BytesDone is { } done ? $"{Bytes(done)} of {Bytes(total)}" : null,
        };
    }

    private int IdOf(string target)
    {
        if (!_ids.TryGetValue(target, out var id)) _ids[target] = id = _ids.Count + 1;
        return id;
    }

    internal static string Bytes(long n) => n switch
    {
        < 1024 => $"{n} B",
        < 1024 * 1024 => (n / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (n / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (n / 1073741824.0).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };
}
