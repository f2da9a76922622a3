using System.Threading.Channels;

namespace Wild.Backup.Simulator.Controllers;

/// <summary>
/// A de-duplicating work queue (like client-go's): a key queued while waiting is queued once; a key
/// queued while being processed is processed again afterwards. Delayed adds use timers bound to the
/// controller's lifetime.
/// </summary>
internal sealed class WorkQueue<T> where T : notnull
{
    private readonly Channel<T> channel = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<T> queued = new();
    private readonly CancellationToken lifetime;

    public WorkQueue(CancellationToken lifetime) => this.lifetime = lifetime;

    public void Add(T item)
    {
        lock (queued)
        {
            if (queued.Add(item)) channel.Writer.TryWrite(item);
        }
    }

    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }
        _ = Task.Delay(delay, lifetime).ContinueWith(t =>
        {
            if (!t.IsCanceled) Add(item);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public async ValueTask<T> TakeAsync(CancellationToken cancellationToken)
    {
        var item = await channel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        lock (queued) queued.Remove(item);
        return item;
    }
}
