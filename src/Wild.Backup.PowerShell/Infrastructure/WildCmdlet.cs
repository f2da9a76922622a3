using System.Collections.Concurrent;
using System.Management.Automation;
using System.Text.Json.Nodes;
using Wild.Backup.Client;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>
/// Base of every WildBackup cmdlet. The engine is reached through an <see cref="IWildService"/> — in this process, or a
/// server given by <c>-Server</c> or <c>Connect-WildServer</c> — and work runs as an operation whose updates are rendered
/// the same way in both cases: progress as Write-Progress, verbose and warnings as such, result items as pipeline
/// objects, failures as ErrorRecords. Engine calls are async; PowerShell takes output only on the pipeline thread, so
/// <see cref="Run"/> runs the work on the thread pool and pumps what it posts on the pipeline thread. Ctrl-C /
/// StopProcessing cancels the work, and a running operation is stopped (its staging removed, the previous backup kept).
/// </summary>
public abstract class WildCmdlet : PSCmdlet
{
    private CancellationTokenSource? _cts;
    private BlockingCollection<Action>? _queue;

    /// <summary>A WildBackup server (wild-api), such as http://127.0.0.1:5056, that does the work instead of this process. Its
    /// progress, objects and errors are shown exactly as for local work. The token is the one given to Connect-WildServer
    /// for the same server, else $env:WILD_API_TOKEN.</summary>
    /// <value>The server of Connect-WildServer, if any; else this process</value>
    [Parameter]
    [ValidateNotNull]
    public Uri? Server { get; set; }

    /// <summary>Where the work happens: <c>-Server</c>, else the session's <c>Connect-WildServer</c>, else this process.</summary>
    protected IWildService Service => _service ??= CreateService();
    private IWildService? _service;

    /// <summary>The data dir for in-process work (instance cmdlets set it from -DataDir).</summary>
    protected virtual string? LocalDataDir => null;

    /// <summary>The destination for in-process work (storage cmdlets set it from -Destination).</summary>
    protected virtual string? LocalDestination => null;

    private IWildService CreateService()
    {
        if (Server is not null) return new RemoteWildService(Server, ServerConnection.TokenFor(this, Server));
        if (ServerConnection.Current(this) is { } connection) return new RemoteWildService(connection.Uri, connection.Token);
        return new LocalWildService(LocalDataDir, LocalDestination);
    }

    /// <summary>Runs <paramref name="work"/> and returns when it has finished, rendering what it posts meanwhile.
    /// Engine errors become terminating errors with the category and ErrorId from <see cref="ErrorRecords"/>.</summary>
    protected void Run(Func<CancellationToken, Task> work)
    {
        using var cts = new CancellationTokenSource();
        using var queue = new BlockingCollection<Action>();
        _cts = cts;
        _queue = queue;
        var task = Task.Run(async () =>
        {
            try
            {
                await work(cts.Token).ConfigureAwait(false);
            }
            finally
            {
                queue.CompleteAdding();
            }
        });
        try
        {
            foreach (var action in queue.GetConsumingEnumerable()) action();
            task.GetAwaiter().GetResult();
        }
        catch (Exception) when (!task.IsCompleted)
        {
            // Output was refused (downstream stopped, -ErrorAction Stop, Ctrl-C): stop the work and let it clean up.
            cts.Cancel();
            DrainUntilDone(task, queue);
            throw;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // StopProcessing: PowerShell reports the stop itself.
        }
        catch (Exception ex) when (ErrorRecords.IsEngineError(ex))
        {
            ThrowTerminatingError(ErrorRecords.From(ex, null));
        }
        finally
        {
            _queue = null;
            _cts = null;
        }
    }

    /// <summary>A quick synchronous engine call (listing, resolving) with engine errors as terminating errors.</summary>
    protected T Call<T>(Func<CancellationToken, Task<T>> call, object? target = null)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            return call(cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ErrorRecords.IsEngineError(ex))
        {
            ThrowTerminatingError(ErrorRecords.From(ex, target));
            throw; // not reached: ThrowTerminatingError always throws
        }
    }

    /// <summary>
    /// Starts an operation and renders it until it ends: progress, verbose, warnings; each output item through
    /// <paramref name="output"/> (objects and non-terminating errors); a failure of the whole operation as a terminating
    /// error. Stopping the pipeline stops the operation. Returns the final record.
    /// </summary>
    protected OperationRecord? RunOperation(OperationRequest request, Action<JsonNode> output)
    {
        OperationRecord? final = null;
        Run(async ct =>
        {
            var op = await Service.StartAsync(request, ct).ConfigureAwait(false);
            Post(() => WriteVerbose($"{op.Type} {op.Target}: operation {op.Id} on {Service.Where}"));
            final = await WatchAsync(request.Instance, op.Id, output, ct).ConfigureAwait(false);
        });
        return final;
    }

    /// <summary>An operation's step timeout from a <c>-TimeoutSeconds</c> parameter (null: the engine's default).</summary>
    protected static TimeSpan? TimeoutFrom(int? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>Renders an operation's updates (see <see cref="RunOperation"/>) and returns its final record.</summary>
    protected async Task<OperationRecord> WatchAsync(string instance, string operationId, Action<JsonNode>? output, CancellationToken ct)
    {
        var renderer = new ProgressRenderer();
        OperationRecord? last = null;
        try
        {
            await foreach (var u in Service.WatchAsync(instance, operationId, ct).ConfigureAwait(false))
            {
                last = u.Operation;
                if (u.Detail is { } d) Render(renderer, d);
                if (u.Output is { } item && output is not null) await PostAndWaitAsync(() => output(item)).ConfigureAwait(false);
                if (u.IsTerminal) break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C / StopProcessing: stop the operation too, whoever runs it, and wait (bounded) until it has cleaned
            // up — this process may be about to exit, and an in-process operation dies with it.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await Service.CancelAsync(instance, operationId, grace.Token).ConfigureAwait(false);
                while (!(await Service.GetOperationAsync(instance, operationId, grace.Token).ConfigureAwait(false)).IsTerminal)
                {
                    await Task.Delay(50, grace.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ErrorRecords.IsEngineError(ex) || ex is OperationCanceledException) { }
            throw;
        }
        finally
        {
            PostProgress(renderer.Finish());
        }
        var final = last ?? await Service.GetOperationAsync(instance, operationId, ct).ConfigureAwait(false);
        if (final.Status == OperationStatus.Failed && final.Error is { Code: not "PartialFailure" } error)
        {
            throw new WildBackupException(error.Kind ?? WildErrorKind.Unreachable, error.Code, error.Message);
        }
        return final;
    }

    /// <summary>Renders an engine event: progress bars (<see cref="ProgressRenderer"/>), verbose lines, warnings.</summary>
    private protected void Render(ProgressRenderer renderer, OperationEvent e)
    {
        switch (e.Kind)
        {
            case OperationEventKind.Progress:
                PostProgress(renderer.Render(e));
                break;
            case OperationEventKind.Verbose:
                Post(() => WriteVerbose($"{e.Target}: {e.Milestone}"));
                break;
            case OperationEventKind.Warning:
                Post(() => WriteWarning($"{e.Target}: {e.Milestone}"));
                break;
        }
    }

    /// <summary>Posts progress records to be written on the pipeline thread.</summary>
    private protected void PostProgress(IReadOnlyList<ProgressRecord> records)
    {
        if (records.Count > 0) Post(() => { foreach (var r in records) WriteProgress(r); });
    }

    /// <summary>An output item that is a failure (<c>{"failure": …}</c>) as a non-terminating error; otherwise false.</summary>
    protected bool WriteFailure(JsonNode item)
    {
        if (!OperationResults.IsFailure(item, out var failure)) return false;
        WriteError(ErrorRecords.From(failure!.ToException(), failure.Name));
        return true;
    }

    /// <summary>Posts an action to run on the pipeline thread (WriteObject and friends).</summary>
    protected void Post(Action action)
    {
        var q = _queue ?? throw new InvalidOperationException("Post outside Run");
        try
        {
            q.Add(action);
        }
        catch (InvalidOperationException)
        {
            // Adding completed: the run is over.
        }
    }

    /// <summary>Posts an action and waits until the pipeline thread ran it, so an error that -ErrorAction Stop turns into
    /// a stop halts the work before its next item.</summary>
    protected Task PostAndWaitAsync(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try
            {
                action();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
                throw;
            }
        });
        var cts = _cts;
        return cts is null ? done.Task : done.Task.WaitAsync(cts.Token);
    }

    protected override void StopProcessing() => _cts?.Cancel();

    protected override void EndProcessing()
    {
        if (_service is not null) _service.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _service = null;
    }

    private static void DrainUntilDone(Task task, BlockingCollection<Action> queue)
    {
        // Whatever is still posted is dropped; wait (bounded) for the engine to clean up after cancellation.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            queue.TryTake(out _, 100);
        }
        _ = task.Exception;
    }
}
