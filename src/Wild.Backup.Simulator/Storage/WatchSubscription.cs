using System.Threading.Channels;
using Wild.Backup.Simulator.Api;

namespace Wild.Backup.Simulator.Storage;

/// <summary>
/// A live subscription to store events of one resource (or all resources), optionally limited to a
/// namespace. Events arrive in resourceVersion order; dispose to unsubscribe.
/// </summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly Channel<StoreEvent> channel = Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ObjectStore store;

    public WatchSubscription(ObjectStore store, GroupResource? resource, string? ns)
    {
        this.store = store;
        Resource = resource;
        Namespace = ns;
    }

    /// <summary>Null = every resource.</summary>
    public GroupResource? Resource { get; }

    /// <summary>Null = every namespace.</summary>
    public string? Namespace { get; }

    public ChannelReader<StoreEvent> Reader => channel.Reader;

    internal bool Matches(StoreEvent e)
        => (Resource is null || Resource.Value == e.Resource)
           && (Namespace is null || (e.Object ?? e.Previous)?.Namespace == Namespace);

    internal void Deliver(StoreEvent e) => channel.Writer.TryWrite(e);

    internal void Complete() => channel.Writer.TryComplete();

    public void Dispose()
    {
        store.Unsubscribe(this);
        channel.Writer.TryComplete();
    }
}
