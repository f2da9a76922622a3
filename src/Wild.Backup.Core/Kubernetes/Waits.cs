namespace Wild.Backup.Core.Kubernetes;

/// <summary>
/// Polling waits with a deadline. A poll returns whether it is done and a short status; the status is passed on when it
/// changes (and again every <see cref="Heartbeat"/> while unchanged, so a watched operation sees a long wait is alive);
/// when the deadline passes, <c>onTimeout</c> builds the error from the last status.
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
        CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string? last = null;
        var lastSent = TimeSpan.Zero;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var (done, value, status) = await poll(ct).ConfigureAwait(false);
            if (done) return value;
            if (status != last || clock.Elapsed - lastSent >= Heartbeat)
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
