namespace Wild.Backup.Core.Kubernetes;

/// <summary>
/// Polling waits with a deadline. A poll returns whether it is done and a short status; the status is passed on when it
/// changes, and again while unchanged every <see cref="Heartbeat"/> (or a third of the deadline, when that is shorter) —
/// so an operation's stall watchdog, which usually has the same limit, sees the wait is alive and this wait's own,
/// clearer timeout error is the one reported. When the deadline passes, <c>onTimeout</c> builds the error from the last status.
/// </summary>
public static class Waits
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task<T> UntilAsync<T>(
        Func<CancellationToken, Task<(bool Done, T Value, string Status)>> poll,
        TimeSpan timeout,
        TimeSpan interval,
        Action<string>? onStatus,
        Func<string, Exception> onTimeout,
        CancellationToken ct,
        TimeSpan? silenceLimit = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // A wait without a deadline of its own (it fails on a stall it detects) says what limit it keeps instead.
        var limit = silenceLimit ?? timeout;
        var heartbeat = limit == TimeSpan.MaxValue || limit / 3 >= Heartbeat ? Heartbeat : limit / 3;
        string? last = null;
        var lastSent = TimeSpan.Zero;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var (done, value, status) = await poll(ct).ConfigureAwait(false);
            if (done) return value;
            if (status != last || clock.Elapsed - lastSent >= heartbeat)
            {
                onStatus?.Invoke(status);
                last = status;
                lastSent = clock.Elapsed;
            }
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero) throw onTimeout(status);
            await Task.Delay(left < interval ? left : interval, ct).ConfigureAwait(false);
        }
    }
}
