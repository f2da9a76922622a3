namespace Wild.Backup.Simulator.Tests.Longhorn.Support;

/// <summary>A clock the test moves by hand; timers fire when it passes their due time.</summary>
public sealed class ManualTime : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<(DateTimeOffset Due, TimerCallback Callback, object? State)> _due = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    public void Advance(TimeSpan by)
    {
        List<(DateTimeOffset Due, TimerCallback Callback, object? State)> fire;
        lock (_gate)
        {
            _now += by;
            fire = _due.Where(d => d.Due <= _now).ToList();
            _due.RemoveAll(d => d.Due <= _now);
        }
        foreach (var d in fire) d.Callback(d.State);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            if (dueTime != Timeout.InfiniteTimeSpan) _due.Add((_now + dueTime, callback, state));
        }
        return new Inert();
    }

    private sealed class Inert : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
