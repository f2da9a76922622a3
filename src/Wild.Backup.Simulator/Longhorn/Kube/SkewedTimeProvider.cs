namespace Wild.Backup.Simulator.Longhorn.Kube;

/// <summary>Longhorn's clock when it is not this machine's (<see cref="LonghornOptions.ClockSkew"/>): the same timers, the
/// wall clock moved by a fixed offset.</summary>
internal sealed class SkewedTimeProvider(TimeProvider inner, TimeSpan skew) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + skew;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
