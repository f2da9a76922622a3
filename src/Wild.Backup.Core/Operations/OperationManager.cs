using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.Core.Operations;

/// <summary>Knobs of <see cref="OperationManager"/>.</summary>
public sealed record OperationManagerOptions
{
    /// <summary>A step that reports no progress for this long fails the operation (design: 5 min default).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Finished operations older than this are purged (design: 24 h).</summary>
    public TimeSpan RetainFor { get; init; } = OperationStore.RetainFor;
    /// <summary>How often the purge runs while the manager lives.</summary>
    public TimeSpan PurgeEvery { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>How often progress is written to disk at most (milestone changes and terminal states always are).</summary>
    public TimeSpan SaveEvery { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How often the watchdog looks for stalled steps and cancel requests.</summary>
    public TimeSpan WatchEvery { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>What an operation's work gets: an observer for engine events, the token that stops it, and
/// <see cref="Output"/> to publish each result item as soon as it exists (an app's backup in a multi-app run).</summary>
public sealed record OperationContext(IOperationObserver Observer, CancellationToken Cancellation, string OperationId, Action<JsonNode> Output);

/// <summary>
/// Runs work as watched operations: creates the record (pending → running → completed | failed | cancelled), turns the
/// engine's progress events into the operation's progress and message, persists it atomically under the instance,
/// publishes every change to the <see cref="OperationEventHub"/>, allows one operation per target at a time, stops a
/// step that stalls, and cancels on request (in process, or from another process through a cancel-request file).
/// On start it marks operations left running by a dead process as failed ("interrupted by restart") and purges
/// finished ones older than 24 h, and keeps purging periodically. The Wild Cloud daemon's records in the same directory
/// are listed but never changed, purged or cancelled (<see cref="DaemonOperations"/>).
/// </summary>
public sealed class OperationManager : IAsyncDisposable
{
    private readonly InstanceDirectory _directory;
    private readonly OperationStore _store;
    private readonly OperationManagerOptions _options;
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, OperationRecord> _records = new(StringComparer.Ordinal);
    /// <summary>The work of every operation of this process until its last record is written (it leaves
    /// <see cref="_running"/> a little earlier, as its end is published).</summary>
    private readonly ConcurrentDictionary<string, Task> _work = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _housekeeping;
    private static readonly OperationOwner Me = OperationOwner.Current();

    public OperationManager(InstanceDirectory directory, OperationEventHub hub, OperationManagerOptions? options = null)
    {
        _directory = directory;
        _store = new OperationStore(directory);
        Hub = hub;
        _options = options ?? new OperationManagerOptions();
        foreach (var instance in directory.ListInstances()) Recover(instance);
        _housekeeping = HousekeepingAsync(_stop.Token);
    }

    public OperationEventHub Hub { get; }

    public InstanceDirectory Directory => _directory;

    /// <summary>
    /// Starts <paramref name="work"/> as an operation and returns its record (pending). Throws ConflictException naming the
    /// running operation when one already runs on the same instance and target.
    /// </summary>
    /// <param name="progressOf">Turns an engine event into the operation's progress; null ignores the event for progress.
    /// Default: events about <paramref name="engineTarget"/> carry the operation's progress.</param>
    public OperationRecord Start(string instance, string type, string target, string engineTarget,
        Func<OperationContext, Task<JsonNode?>> work, TimeSpan? stepTimeout = null, Func<OperationEvent, (int Percent, string Message)?>? progressOf = null)
    {
        var inst = _directory.GetInstance(instance);
        var key = instance + "/" + target;
        var record = new OperationRecord
        {
            Id = OperationIds.New(),
            Type = type,
            Target = target,
            Instance = inst.Name,
            Status = OperationStatus.Pending,
            Message = "queued",
            CreatedAt = DateTimeOffset.UtcNow,
            Owner = Me,
        };
        var running = new Running(record, key, stepTimeout ?? _options.StepTimeout);
        lock (_running)
        {
            if (_running.Values.FirstOrDefault(r => r.Key == key) is { } busy)
            {
                throw new ConflictException("OperationRunning",
                    $"Operation {busy.Record.Id} ({busy.Record.Type}) is already running on {target} of instance '{instance}'. Wait for it or stop it first.")
                { Target = busy.Record.Id };
            }
            _running[record.Id] = running;
        }
        Update(running, record, "operation:created", save: true);
        progressOf ??= e => e.Target == engineTarget ? (e.Percent, Describe(e)) : null;
        running.Task = _work[record.Id] = Task.Run(() => RunAsync(running, work, progressOf));
        _ = running.Task.ContinueWith(_ => _work.TryRemove(record.Id, out var _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return record;
    }

    /// <summary>An operation by id (running or finished), or NotFoundException.</summary>
    public OperationRecord Get(string instance, string id)
    {
        OperationIds.Validate(id);
        var inst = _directory.GetInstance(instance);
        if (_records.TryGetValue(id, out var r) && r.Instance == inst.Name) return r;
        var path = OperationStore.PathOf(inst, id);
        if (File.Exists(path) && OperationRecord.TryParse(File.ReadAllBytes(path), File.GetLastWriteTimeUtc(path)) is { } onDisk) return onDisk;
        throw new NotFoundException("OperationNotFound", $"Operation {id} not found in instance '{inst.Name}'.") { Target = id };
    }

    /// <summary>Every operation of an instance still kept (the last 24 h), newest first.</summary>
    public IReadOnlyList<OperationRecord> List(string instance)
    {
        var inst = _directory.GetInstance(instance);
        var byId = _store.Load(inst).ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (var r in _records.Values.Where(r => r.Instance == inst.Name)) byId[r.Id] = r;
        return byId.Values.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Asks an operation to stop. True when it was running here (it ends as cancelled, cleaning up); an operation run by
    /// another process gets a cancel request it picks up within a second. ConflictException when it already finished.
    /// </summary>
    public bool Cancel(string instance, string id)
    {
        var record = Get(instance, id);
        if (record.IsDaemons)
            throw new ConflictException("DaemonOperation",
                $"Operation {id} belongs to the Wild Cloud daemon, not to WildBackup; cancel it through the daemon (its web app, or POST /api/v1/operations/{id}/cancel on the daemon).") { Target = id };
        if (record.IsTerminal)
            throw new ConflictException("OperationFinished", $"Operation {id} already finished ({record.Status.ToString().ToLowerInvariant()}).") { Target = id };
        if (_running.TryGetValue(id, out var running))
        {
            running.CancelRequested = true;
            running.Cancellation.Cancel();
            return true;
        }
        File.WriteAllText(CancelRequestPath(_directory.GetInstance(instance), id), DateTimeOffset.UtcNow.ToString("O"));
        return true;
    }

    /// <summary>Waits until the operation finishes (or <paramref name="ct"/> fires) and returns its final record.</summary>
    public async Task<OperationRecord> WaitAsync(string instance, string id, CancellationToken ct)
    {
        using var sub = Hub.Subscribe(e => e.Operation.Id == id && e.IsTerminal);
        var current = Get(instance, id);
        while (!current.IsTerminal)
        {
            var (timedOut, e) = await sub.ReadAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            current = !timedOut && e is not null ? e.Operation : Get(instance, id);
        }
        return current;
    }

    private async Task RunAsync(Running running, Func<OperationContext, Task<JsonNode?>> work, Func<OperationEvent, (int Percent, string Message)?> progressOf)
    {
        var started = running.Record with { Status = OperationStatus.Running, StartedAt = DateTimeOffset.UtcNow, Message = "starting" };
        Update(running, started, "operation:progress", save: true);
        var observer = new Observer(this, running, progressOf);
        OperationRecord final;
        try
        {
            var result = await work(new OperationContext(observer, running.Cancellation.Token, running.Record.Id,
                item => Hub.Publish("operation:output", running.Record, null, item))).ConfigureAwait(false);
            final = running.Record with { Status = OperationStatus.Completed, Progress = 100, Result = result, EndedAt = DateTimeOffset.UtcNow };
            if (final.Message is "starting" or "queued") final = final with { Message = "completed" };
        }
        catch (OperationCanceledException) when (running.Cancellation.IsCancellationRequested && running.TimedOutStep is { } step)
        {
            var error = new OperationError("Timeout", $"No progress for {running.StepTimeout.TotalSeconds:0} s during '{step}'; the operation was stopped and cleaned up. Raise timeoutSeconds for slow storage.");
            final = running.Record with { Status = OperationStatus.Failed, Error = error, Message = error.Message, EndedAt = DateTimeOffset.UtcNow };
        }
        catch (OperationCanceledException) when (running.Cancellation.IsCancellationRequested)
        {
            final = running.Record with { Status = OperationStatus.Cancelled, Message = "cancelled; the previous backup is intact", EndedAt = DateTimeOffset.UtcNow };
        }
        catch (PartialFailureException ex)
        {
            final = running.Record with { Status = OperationStatus.Failed, Result = ex.Result, Error = new OperationError(ex.ErrorId, ex.Message, ex.Kind), Message = ex.Message, EndedAt = DateTimeOffset.UtcNow };
        }
        catch (WildBackupException ex)
        {
            final = running.Record with { Status = OperationStatus.Failed, Error = new OperationError(ex.ErrorId, ex.Message, ex.Kind), Message = ex.Message, EndedAt = DateTimeOffset.UtcNow };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            final = running.Record with { Status = OperationStatus.Failed, Error = new OperationError("IOError", ex.Message), Message = ex.Message, EndedAt = DateTimeOffset.UtcNow };
        }
        catch (Exception ex)
        {
            // A bug, not a user error: say so without internals.
            final = running.Record with { Status = OperationStatus.Failed, Error = new OperationError("InternalError", $"Unexpected error ({ex.GetType().Name}). See the server log."), Message = "unexpected error", EndedAt = DateTimeOffset.UtcNow };
        }
        Update(running, final, HubEvent.TypeFor(final.Status), save: true);
        running.Cancellation.Dispose();
    }

    /// <param name="save">Write the record to disk before publishing (creation and the end: what the daemon's web app
    /// and restart recovery must see). Progress is published first and written behind, at most every
    /// <see cref="OperationManagerOptions.SaveEvery"/> or on a milestone change, off the engine's thread: a slow disk
    /// (fsync behind a large backup) never delays subscribers or the backup itself.</param>
    private void Update(Running running, OperationRecord record, string type, bool save, OperationEvent? detail = null, bool saveBehind = false)
    {
        lock (running)
        {
            running.Record = record;
            _records[record.Id] = record;
            // Finished: no longer running before anyone hears of it, so a client that saw the end can start the next
            // operation on the same target at once, and a late cancel is told the operation already finished.
            if (record.IsTerminal) lock (_running) _running.TryRemove(record.Id, out _);
            if (!save && (saveBehind || DateTime.UtcNow - running.LastSaved >= _options.SaveEvery))
            {
                running.LastSaved = DateTime.UtcNow;
                if (Interlocked.Exchange(ref running.SaveQueued, 1) == 0) _ = Task.Run(() => SaveLatest(running));
            }
        }
        if (save) SaveLatest(running);
        Hub.Publish(type, record, detail);
    }

    /// <summary>Writes the operation's newest record; one writer per operation at a time, so an older record can never
    /// land after a newer one.</summary>
    private void SaveLatest(Running running)
    {
        lock (running.SaveGate)
        {
            Interlocked.Exchange(ref running.SaveQueued, 0);
            TrySave(running.Record);
        }
    }

    private void TrySave(OperationRecord record)
    {
        try
        {
            _store.SaveAsync(record, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or WildBackupException)
        {
            // The record on disk lags; the operation itself goes on and is published.
        }
    }

    /// <summary>Marks what a dead process left running as failed, and purges old finished operations.</summary>
    private void Recover(WildInstance instance)
    {
        foreach (var op in _store.Load(instance))
        {
            if (op.IsDaemons) continue; // the daemon's own: never touched
            if (!op.IsTerminal && !(op.Owner?.IsAlive() ?? false))
            {
                var failed = op with
                {
                    Status = OperationStatus.Failed,
                    Error = new OperationError("Interrupted", "interrupted by restart"),
                    Message = "interrupted by restart",
                    EndedAt = DateTimeOffset.UtcNow,
                };
                TrySave(failed);
            }
        }
        Purge(instance);
    }

    private void Purge(WildInstance instance)
    {
        var cutoff = DateTimeOffset.UtcNow - _options.RetainFor;
        foreach (var op in _store.Load(instance).Where(o => !o.IsDaemons && o.IsTerminal && (o.EndedAt ?? o.CreatedAt) < cutoff))
        {
            try
            {
                _store.Delete(instance, op.Id);
                var cancel = CancelRequestPath(instance, op.Id);
                if (File.Exists(cancel)) File.Delete(cancel);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
            _records.TryRemove(op.Id, out _);
        }
    }

    /// <summary>Purges every instance now (the periodic purge does this on its own).</summary>
    public void PurgeNow()
    {
        foreach (var instance in _directory.ListInstances()) Purge(instance);
    }

    private async Task HousekeepingAsync(CancellationToken ct)
    {
        var lastPurge = DateTime.UtcNow;
        try
        {
            while (true)
            {
                await Task.Delay(_options.WatchEvery, ct).ConfigureAwait(false);
                foreach (var running in _running.Values)
                {
                    if (running.Task is null || running.Cancellation.IsCancellationRequested) continue;
                    var idle = Stopwatch.GetElapsedTime(running.LastProgress);
                    if (idle > StepLimit(running.StepTimeout, running.StepBytes))
                    {
                        running.TimedOutStep = running.Record.Message;
                        running.Cancellation.Cancel();
                    }
                    else if (File.Exists(CancelRequestPath(_directory.GetInstance(running.Record.Instance), running.Record.Id)))
                    {
                        running.CancelRequested = true;
                        running.Cancellation.Cancel();
                    }
                }
                if (DateTime.UtcNow - lastPurge >= _options.PurgeEvery)
                {
                    lastPurge = DateTime.UtcNow;
                    PurgeNow();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// How long a step may go without progress: the step timeout, plus one minute per GiB of the bytes the step moves
    /// (its last progress event's total). Moving bytes reset the clock anyway; this is for steps that report rarely, such
    /// as Longhorn preparing or restoring a large volume.
    /// </summary>
    public static TimeSpan StepLimit(TimeSpan stepTimeout, long? stepBytes) =>
        stepTimeout + TimeSpan.FromMinutes(Math.Max(0, stepBytes ?? 0) / (double)(1L << 30));

    private static string CancelRequestPath(WildInstance instance, string id) => Path.Combine(instance.OperationsPath, OperationIds.Validate(id) + ".cancel");

    private static string Describe(OperationEvent e) => string.IsNullOrEmpty(e.Message) ? e.Milestone : $"{e.Milestone}: {e.Message}";

    /// <summary>Stops housekeeping and cancels running operations, waiting (bounded) for them to clean up.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _housekeeping.ConfigureAwait(false);
        foreach (var r in _running.Values) r.Cancellation.Cancel();
        var tasks = _work.Values.ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed class Running(OperationRecord record, string key, TimeSpan stepTimeout)
    {
        public OperationRecord Record { get; set; } = record;
        public string Key => key;
        public TimeSpan StepTimeout => stepTimeout;
        public CancellationTokenSource Cancellation { get; } = new();
        public Task? Task { get; set; }
        public long LastProgress { get; set; } = Stopwatch.GetTimestamp();
        /// <summary>Total bytes of the current step, when it reports them (extends its silence limit).</summary>
        public long? StepBytes { get; set; }
        public DateTime LastSaved { get; set; }
        public int SaveQueued;
        public object SaveGate { get; } = new();
        public string? TimedOutStep { get; set; }
        public bool CancelRequested { get; set; }
    }

    /// <summary>Turns engine events into operation updates; every event (any target) goes to subscribers as detail.</summary>
    private sealed class Observer(OperationManager manager, Running running, Func<OperationEvent, (int Percent, string Message)?> progressOf) : IOperationObserver
    {
        public void OnEvent(OperationEvent e)
        {
            running.LastProgress = Stopwatch.GetTimestamp();
            if (e.Kind == OperationEventKind.Progress) running.StepBytes = e.BytesTotal;
            var record = running.Record;
            var milestoneChanged = false;
            if (e.Kind == OperationEventKind.Progress && progressOf(e) is var (percent, message))
            {
                milestoneChanged = record.Message.Split(':')[0] != message.Split(':')[0];
                record = record with { Progress = Math.Clamp(percent, 0, 100), Message = message };
            }
            manager.Update(running, record, "operation:progress", save: false, detail: e, saveBehind: milestoneChanged);
        }
    }
}

/// <summary>Which process runs an operation, to tell a live one from one left behind by a crash.</summary>
public sealed record OperationOwner(string Host, int Pid, DateTimeOffset? StartedAt)
{
    public static OperationOwner Current()
    {
        using var p = Process.GetCurrentProcess();
        DateTimeOffset? started = null;
        try { started = new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero); } catch (InvalidOperationException) { }
        return new OperationOwner(Environment.MachineName, Environment.ProcessId, started);
    }

    /// <summary>False when the owner is a process on this host that is gone (or a different process with its pid).</summary>
    public bool IsAlive()
    {
        if (Host != Environment.MachineName) return true; // another host's: cannot tell, leave it
        if (Pid == Environment.ProcessId && StartedAt == Current().StartedAt) return true;
        try
        {
            using var p = Process.GetProcessById(Pid);
            if (p.HasExited) return false;
            return StartedAt is null || Math.Abs((p.StartTime.ToUniversalTime() - StartedAt.Value.UtcDateTime).TotalSeconds) < 2;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
