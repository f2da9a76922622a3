namespace Wild.Backup.Core.Backups;

/// <summary>
/// How a run schedules its per-backup steps: on the thread pool, a few at a time; and how it splits its backups into
/// commit groups (<see cref="Groups{T}"/>). The steps are synchronous file I/O
/// (local stores complete their calls inline) and CPU (archive, compress, hash), so running them one after another
/// leaves all but one core idle. Each step touches only its own backup; phases stay in order (a phase ends before the
/// flush that follows it).
/// </summary>
internal static class Concurrently
{
    public static int Degree => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>Runs <paramref name="body"/> for every item, at most <see cref="Degree"/> at once; completes when all
    /// have (the first exception, if any, is thrown then).</summary>
    public static Task ForEachAsync<T>(IEnumerable<T> items, Func<T, Task> body, CancellationToken ct) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Degree, CancellationToken = ct }, async (item, _) => await body(item).ConfigureAwait(false));

    /// <summary>Consecutive groups of <paramref name="items"/>, each of total weight at most <paramref name="maxWeight"/>
    /// and bytes at most <paramref name="maxBytes"/> (an item heavier than that alone still forms a group). Items of
    /// weight 0 ride along in the group they fall in; order is kept.</summary>
    public static IEnumerable<List<T>> Groups<T>(IEnumerable<T> items, Func<T, (int Weight, long Bytes)> cost, int maxWeight, long maxBytes)
    {
        var group = new List<T>();
        var weight = 0;
        long bytes = 0;
        foreach (var item in items)
        {
            var (w, b) = cost(item);
            if (w > 0 && weight > 0 && (weight + w > maxWeight || bytes + b > maxBytes))
            {
                yield return group;
                (group, weight, bytes) = ([], 0, 0);
            }
            group.Add(item);
            weight += w;
            bytes += b;
        }
        if (group.Count > 0) yield return group;
    }
}
