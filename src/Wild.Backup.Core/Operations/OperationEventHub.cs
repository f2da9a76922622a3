using Wild.Backup.Core.Progress;

namespace Wild.Backup.Core.Operations;

/// <summary>
/// One published change of an operation: its new state and, for progress, the engine event behind it (which target,
/// milestone, bytes) so remote front ends can render exactly what a local run renders.
/// <see cref="Type"/> is <c>operation:created</c>, <c>operation:progress</c>, <c>operation:completed</c>,
/// <c>operation:failed</c> or <c>operation:cancelled</c>; streams start with an <c>operation:state</c> snapshot.
/// Ids increase by one per event, across the hub.
/// </summary>
public sealed record HubEvent(long Id, string Type, OperationRecord Operation, OperationEvent? Detail, System.Text.Json.Nodes.JsonNode? Output = null)
{
    /// <summary>The operation's final event. (<c>operation:state</c> is a snapshot a stream starts with, never terminal.)</summary>
    public bool IsTerminal => Operation.IsTerminal && Type is not ("operation:progress" or "operation:output" or "operation:state");

    /// <summary>Events that must reach every subscriber: terminal states, outputs and warnings.</summary>
    internal bool MustDeliver => IsTerminal || Type is "operation:created" or "operation:output" || Detail?.Kind == OperationEventKind.Warning;

    /// <summary>Progress of the same operation, target and milestone (bytes moving inside "Exporting data"): a newer one
    /// makes an older, undelivered one pointless. A change of milestone is never merged away.</summary>
    internal string? CoalesceKey => MustDeliver || Detail?.Kind == OperationEventKind.Verbose ? null : Operation.Id + "|" + Detail?.Target + "|" + Detail?.Milestone;

    public static string TypeFor(OperationStatus status) => status switch
    {
        OperationStatus.Completed => "operation:completed",
        OperationStatus.Failed => "operation:failed",
        OperationStatus.Cancelled => "operation:cancelled",
        OperationStatus.Pending => "operation:created",
        _ => "operation:progress",
    };
}

/// <summary>
/// Fans operation changes out to subscribers (SSE streams, waiting cmdlets). Publishing never blocks: each subscriber
/// has a bounded queue where progress is coalesced (the newest state of an operation's target replaces an undelivered
/// older one) and terminal events are never dropped; a subscriber that falls hopelessly behind is disconnected and can
/// resume with the last event id it saw. The most recent events are kept for resuming.
/// </summary>
public sealed class OperationEventHub
{
    private readonly object _gate = new();
    private readonly HubEvent?[] _recent;
    private long _lastId;
    private Subscription[] _subscribers = [];

    public OperationEventHub(int keepRecent = 4096) => _recent = new HubEvent?[Math.Max(16, keepRecent)];

    /// <summary>The id of the newest event (0 before the first).</summary>
    public long LastEventId => Interlocked.Read(ref _lastId);

    public HubEvent Publish(string type, OperationRecord op, OperationEvent? detail = null, System.Text.Json.Nodes.JsonNode? output = null)
    {
        HubEvent e;
        Subscription[] subscribers;
        lock (_gate)
        {
            e = new HubEvent(++_lastId, type, op, detail, output);
            _recent[e.Id % _recent.Length] = e;
            subscribers = _subscribers;
        }
        foreach (var s in subscribers) s.Offer(e);
        return e;
    }

    /// <summary>
    /// Subscribes to the events <paramref name="filter"/> accepts. With <paramref name="afterEventId"/>, the matching
    /// events after it that are still kept are queued first; <see cref="Subscription.Resumed"/> says whether all of them
    /// were (false: the caller should send current state instead).
    /// </summary>
    public Subscription Subscribe(Func<HubEvent, bool> filter, long? afterEventId = null, int capacity = 256)
    {
        var sub = new Subscription(this, filter, capacity);
        lock (_gate)
        {
            if (afterEventId is { } after)
            {
                var oldestKept = Math.Max(1, _lastId - _recent.Length + 1);
                sub.Resumed = after + 1 >= oldestKept && after <= _lastId;
                for (var id = Math.Max(after + 1, oldestKept); id <= _lastId; id++)
                {
                    if (_recent[id % _recent.Length] is { } e && e.Id == id) sub.Offer(e, replay: true);
                }
            }
            _subscribers = [.. _subscribers, sub];
        }
        return sub;
    }

    internal void Remove(Subscription sub)
    {
        lock (_gate) _subscribers = _subscribers.Where(s => !ReferenceEquals(s, sub)).ToArray();
    }

    /// <summary>A subscriber's queue. Read it with <see cref="ReadAsync"/>; dispose it when done.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly OperationEventHub _hub;
        private readonly Func<HubEvent, bool> _filter;
        private readonly int _capacity;
        private readonly int _coalesceAbove;
        private readonly LinkedList<HubEvent> _queue = new();
        private readonly Dictionary<string, LinkedListNode<HubEvent>> _pending = new(StringComparer.Ordinal);
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _closed;

        internal Subscription(OperationEventHub hub, Func<HubEvent, bool> filter, int capacity)
        {
            _hub = hub;
            _filter = filter;
            _capacity = Math.Max(4, capacity);
            _coalesceAbove = Math.Max(1, _capacity / 8);
        }

        /// <summary>After a resume: true when every missed event was still kept and queued.</summary>
        public bool Resumed { get; internal set; }

        /// <summary>True when this subscriber fell so far behind that it was cut off (it should reconnect and resume).</summary>
        public bool Overflowed { get; private set; }

        /// <summary>Events dropped or merged because this subscriber was slow.</summary>
        public long Coalesced { get; private set; }

        /// <param name="replay">History asked for on subscribing: queued in full (within capacity), not coalesced.</param>
        internal void Offer(HubEvent e, bool replay = false)
        {
            if (!_filter(e)) return;
            TaskCompletionSource? wake;
            lock (_queue)
            {
                if (_closed) return;
                // Only a subscriber with a backlog loses intermediate progress; one that keeps up sees every milestone.
                if (!replay && e.CoalesceKey is { } key && _queue.Count >= _coalesceAbove && _pending.Remove(key, out var stale))
                {
                    // Newer state of the same target: the older, undelivered one goes; the new one queues at the end,
                    // so ids stay increasing (resuming after an id must mean "everything before it was seen").
                    _queue.Remove(stale);
                    Coalesced++;
                }
                if (_queue.Count >= _capacity && !e.MustDeliver)
                {
                    // Full: drop the oldest droppable event to make room; never a terminal one.
                    var victim = _queue.First;
                    while (victim is not null && victim.Value.MustDeliver) victim = victim.Next;
                    if (victim is null)
                    {
                        Coalesced++;
                        return;
                    }
                    if (victim.Value.CoalesceKey is { } vk) _pending.Remove(vk);
                    _queue.Remove(victim);
                    Coalesced++;
                }
                if (_queue.Count >= _capacity * 16)
                {
                    // Even the must-deliver events pile up: cut this subscriber off rather than grow without bound.
                    Overflowed = true;
                    _closed = true;
                }
                else
                {
                    var added = _queue.AddLast(e);
                    if (e.CoalesceKey is { } k) _pending[k] = added; // the newest undelivered progress of this target
                }
                wake = _signal;
            }
            wake.TrySetResult();
        }

        /// <summary>The next event, or null once the subscription is closed (disposed or overflowed) and drained.</summary>
        public async ValueTask<HubEvent?> ReadAsync(CancellationToken ct)
        {
            while (true)
            {
                Task wait;
                lock (_queue)
                {
                    if (_queue.First is { } first)
                    {
                        _queue.RemoveFirst();
                        if (first.Value.CoalesceKey is { } k && _pending.TryGetValue(k, out var n) && ReferenceEquals(n, first)) _pending.Remove(k);
                        return first.Value;
                    }
                    if (_closed) return null;
                    if (_signal.Task.IsCompleted) _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = _signal.Task;
                }
                await wait.WaitAsync(ct).ConfigureAwait(false);
            }
        }

        /// <summary>Waits for the next event at most <paramref name="timeout"/>; null on timeout (SSE heartbeats).</summary>
        public async ValueTask<(bool TimedOut, HubEvent? Event)> ReadAsync(TimeSpan timeout, CancellationToken ct)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            try
            {
                return (false, await ReadAsync(cts.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return (true, null);
            }
        }

        public void Dispose()
        {
            TaskCompletionSource wake;
            lock (_queue)
            {
                _closed = true;
                wake = _signal;
            }
            wake.TrySetResult();
            _hub.Remove(this);
        }
    }
}
