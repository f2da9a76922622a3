using System.Collections.Concurrent;
using System.Management.Automation;
using Wild.Backup.Core;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>
/// Base of every WildBackup cmdlet. Engine calls are async; PowerShell only accepts output, progress and errors on
/// the pipeline thread. <see cref="Run"/> starts the engine work on the thread pool and pumps what it posts
/// (objects, progress, verbose, warnings, errors) on the pipeline thread until it ends. Ctrl-C / StopProcessing
/// cancels the work through its CancellationToken, which cleans up (staging removed, previous backup kept).
/// </summary>
public abstract class WildCmdlet : PSCmdlet
{
    private CancellationTokenSource? _cts;
    private BlockingCollection<Action>? _queue;

    /// <summary>The engine every cmdlet calls; one per cmdlet invocation.</summary>
    protected WildBackupEngine Engine { get; } = new();

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
    protected T Call<T>(Func<T> call, object? target = null)
    {
        try
        {
            return call();
        }
        catch (Exception ex) when (ErrorRecords.IsEngineError(ex))
        {
            ThrowTerminatingError(ErrorRecords.From(ex, target));
            throw; // not reached: ThrowTerminatingError always throws
        }
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

    protected void PostObject(object? o) => Post(() => WriteObject(o));

    protected void PostError(Exception ex, object? target) => Post(() => WriteError(ErrorRecords.From(ex, target)));

    /// <summary>An observer that renders engine events as Write-Progress / WriteVerbose / WriteWarning.</summary>
    protected IOperationObserver Observer() => new ProgressRenderer(this);

    protected override void StopProcessing() => _cts?.Cancel();

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

    private sealed class ProgressRenderer(WildCmdlet cmdlet) : IOperationObserver
    {
        private readonly ProgressRecordBuilder _builder = new();

        public void OnEvent(OperationEvent e)
        {
            switch (e.Kind)
            {
                case OperationEventKind.Progress:
                    var record = _builder.Build(e);
                    cmdlet.Post(() => cmdlet.WriteProgress(record));
                    break;
                case OperationEventKind.Verbose:
                    cmdlet.Post(() => cmdlet.WriteVerbose($"{e.Target}: {e.Milestone}"));
                    break;
                case OperationEventKind.Warning:
                    cmdlet.Post(() => cmdlet.WriteWarning($"{e.Target}: {e.Milestone}"));
                    break;
            }
        }
    }
}
