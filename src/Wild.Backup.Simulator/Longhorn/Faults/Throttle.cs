namespace Wild.Backup.Simulator.Longhorn.Faults;

/// <summary>A shared pacing clock: callers wait so that bytes pass no faster than the current limit.</summary>
internal sealed class Throttle(Func<long> limit, TimeProvider time)
{
    private readonly object _gate = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public async ValueTask PaceAsync(int bytes, CancellationToken ct)
    {
        var perSecond = limit();
        if (perSecond <= 0 || bytes <= 0) return;
        TimeSpan wait;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_next < now) _next = now;
            wait = _next - now;
            _next += TimeSpan.FromSeconds((double)bytes / perSecond);
        }
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct).ConfigureAwait(false);
    }
}
