using System.Diagnostics;
using System.Security.Cryptography;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Storage;

/// <summary>
/// What a person runs first when backups fail (<c>Test-WildBackupDestination</c>, <c>GET …/destination</c>): can the
/// destination be reached, can it be written (a probe file is written, made durable, read back, compared and deleted),
/// how much space is free, and how long a round trip takes. Problems are reported in the result, never thrown; only
/// cancellation throws.
/// </summary>
public static class DestinationCheck
{
    /// <summary>Name prefix of the probe file written at the root (removed again by the check).</summary>
    public const string ProbeFilePrefix = ".wildbackup-check-";

    public static async Task<DestinationCheckResult> RunAsync(IBackupStore store, DestinationCheckOptions? options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= DestinationCheckOptions.Default;
        var problems = new List<DestinationProblem>();
        var result = new DestinationCheckResult { Location = store.Location, Problems = problems };

        if (!await StepAsync(DestinationCheckStep.Reach, () => store.ProbeAsync(ct), problems, ct).ConfigureAwait(false))
            return result;
        result = result with { Reachable = true, RoundTrip = await MeasureRoundTripAsync(store, options.RoundTripSamples, problems, ct).ConfigureAwait(false) };

        StoreSpace? space = null;
        if (await StepAsync(DestinationCheckStep.Space, async () => space = await store.GetSpaceAsync(ct).ConfigureAwait(false), problems, ct).ConfigureAwait(false))
            result = result with { TotalBytes = space!.TotalBytes, FreeBytes = space.FreeBytes };

        if (options.ProbeBytes > 0)
            result = result with { Writable = await CheckWritableAsync(store, options.ProbeBytes, problems, ct).ConfigureAwait(false) };
        return result;
    }

    public static Task<DestinationCheckResult> RunAsync(IBackupStore store, CancellationToken ct) => RunAsync(store, null, ct);

    /// <summary>Median time of a few stats of the root (the cheapest call every store has).</summary>
    private static async Task<TimeSpan?> MeasureRoundTripAsync(IBackupStore store, int samples, List<DestinationProblem> problems, CancellationToken ct)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < Math.Max(1, samples); i++)
        {
            var started = Stopwatch.GetTimestamp();
            if (!await StepAsync(DestinationCheckStep.RoundTrip, () => store.StatAsync("", ct), problems, ct).ConfigureAwait(false)) return null;
            times.Add(Stopwatch.GetElapsedTime(started));
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static async Task<bool> CheckWritableAsync(IBackupStore store, int probeBytes, List<DestinationProblem> problems, CancellationToken ct)
    {
        var name = ProbeFilePrefix + Guid.NewGuid().ToString("N")[..12] + ".tmp";
        var data = RandomNumberGenerator.GetBytes(probeBytes);
        var created = false;
        try
        {
            var ok = await StepAsync(DestinationCheckStep.Write, async () =>
            {
                var options = new CreateOptions { Exclusive = true, Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite, ExpectedLength = probeBytes };
                await using (var s = await store.CreateFileAsync(name, options, ct).ConfigureAwait(false))
                {
                    created = true;
                    await s.WriteAsync(data, ct).ConfigureAwait(false);
                }
                await store.FlushAsync(ct).ConfigureAwait(false);
            }, problems, ct).ConfigureAwait(false);
            ok = ok && await StepAsync(DestinationCheckStep.ReadBack, async () =>
            {
                await using var s = await store.OpenReadAsync(name, ct).ConfigureAwait(false);
                var back = new byte[probeBytes + 1];
                var n = await ReadFullyAsync(s, back, ct).ConfigureAwait(false);
                if (n != probeBytes || !back.AsSpan(0, n).SequenceEqual(data))
                    throw new CorruptBackupException("DestinationReadBackMismatch",
                        "A test file written to backup storage read back differently.", $"{name}: wrote {probeBytes} bytes, read {n} bytes that differ");
            }, problems, ct).ConfigureAwait(false);
            ok = ok && await StepAsync(DestinationCheckStep.Delete, async () =>
            {
                await store.DeleteFileAsync(name, ct).ConfigureAwait(false);
                created = false;
                if (await store.StatAsync(name, ct).ConfigureAwait(false) is not null)
                    throw new IOException($"{name} is still there after it was deleted");
            }, problems, ct).ConfigureAwait(false);
            return ok;
        }
        finally
        {
            if (created) await TryDeleteAsync(store, name).ConfigureAwait(false);
        }
    }

    private static async Task<int> ReadFullyAsync(Stream s, byte[] buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await s.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static async Task TryDeleteAsync(IBackupStore store, string name)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await store.DeleteFileAsync(name, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WildBackupException or IOException or OperationCanceledException or UnauthorizedAccessException)
        {
            // best effort: the step that failed is already reported
        }
    }

    /// <summary>Runs one step; a failure becomes a problem (cancellation by <paramref name="ct"/> propagates).</summary>
    private static async Task<bool> StepAsync(DestinationCheckStep step, Func<Task> action, List<DestinationProblem> problems, CancellationToken ct)
    {
        try
        {
            await action().ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (WildBackupException ex)
        {
            problems.Add(new DestinationProblem(step, ex.Kind, ex.ErrorId, ex.Message, ex.Detail));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OperationCanceledException or TimeoutException)
        {
            problems.Add(new DestinationProblem(step, null, "StorageIoError", $"Backup storage failed to {Describe(step)}.", $"{ex.GetType().Name}: {ex.Message}"));
        }
        return false;
    }

    private static string Describe(DestinationCheckStep step) => step switch
    {
        DestinationCheckStep.Reach => "answer",
        DestinationCheckStep.RoundTrip => "answer a status request",
        DestinationCheckStep.Space => "report free space",
        DestinationCheckStep.Write => "store a test file",
        DestinationCheckStep.ReadBack => "return a test file",
        _ => "delete a test file",
    };
}

/// <summary>How thorough <see cref="DestinationCheck"/> is.</summary>
public sealed record DestinationCheckOptions
{
    public static readonly DestinationCheckOptions Default = new();

    /// <summary>Size of the probe file; 0 skips the write test (read-only check).</summary>
    public int ProbeBytes { get; init; } = 64 * 1024;

    /// <summary>How many stats of the root the round-trip time is the median of.</summary>
    public int RoundTripSamples { get; init; } = 5;
}

/// <summary>The steps of a destination check, in order.</summary>
public enum DestinationCheckStep
{
    Reach,
    RoundTrip,
    Space,
    Write,
    ReadBack,
    Delete,
}

/// <summary>One thing wrong with a destination: the step, the error's kind and id when typed, and what to tell a person.</summary>
public sealed record DestinationProblem(DestinationCheckStep Step, WildErrorKind? Kind, string ErrorId, string Message, string? Detail);

/// <summary>The outcome of <see cref="DestinationCheck.RunAsync(IBackupStore, DestinationCheckOptions?, CancellationToken)"/>.</summary>
public sealed record DestinationCheckResult
{
    public required string Location { get; init; }

    /// <summary>The root answered (listing it worked).</summary>
    public bool Reachable { get; init; }

    /// <summary>A probe file could be written, made durable, read back identical and deleted.</summary>
    public bool Writable { get; init; }

    public long? TotalBytes { get; init; }
    public long? FreeBytes { get; init; }

    /// <summary>Median time of a metadata request (for NFS: one RPC round trip plus server work).</summary>
    public TimeSpan? RoundTrip { get; init; }

    public IReadOnlyList<DestinationProblem> Problems { get; init; } = [];

    /// <summary>Everything checked worked.</summary>
    public bool Ok => Reachable && Problems.Count == 0;
}
