namespace Wild.Backup.Core.Backups;

/// <summary>
/// How a batch runs its per-backup steps: on the thread pool, a few at a time. The steps are synchronous file I/O
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
}
