using Wild.Backup.Core.Errors;

namespace Wild.Backup.Simulator.Longhorn.Operations;

/// <summary>
/// A running backup or restore: its latest status (the CR status fields), a change event, and its end. The status
/// only ever moves forward; <see cref="Completion"/> ends with the final status and never throws.
/// </summary>
public sealed class LonghornOperation<TStatus> where TStatus : class
{
    private readonly object _gate = new();
    private readonly TaskCompletionSource<TStatus> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancel;
    private readonly Func<TStatus, bool> _isFinal;
    private TStatus _status;

    internal LonghornOperation(string name, TStatus initial, Func<TStatus, bool> isFinal, CancellationToken stopping)
    {
        Name = name;
        _status = initial;
        _isFinal = isFinal;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public string Name { get; }

    public TStatus Status
    {
        get { lock (_gate) return _status; }
    }

    /// <summary>Raised after every status change, on the worker; handlers must be quick and must not throw.</summary>
    public event Action<TStatus>? StatusChanged;

    /// <summary>The final status.</summary>
    public Task<TStatus> Completion => _done.Task;

    /// <summary>Asks the work to stop; it ends in its error state.</summary>
    public void Cancel()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // already finished
        }
    }

    /// <summary>The final status, or WildTimeoutException when the work is not done within <paramref name="timeout"/>.</summary>
    public async Task<TStatus> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            return await _done.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new WildTimeoutException("LonghornOperationTimeout", $"Longhorn operation '{Name}' did not finish within {timeout.TotalSeconds:0} s.", Status.ToString(), ex);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for the status (or the work ends); WildTimeoutException after <paramref name="timeout"/>.</summary>
    public async Task<TStatus> WaitUntilAsync(Func<TStatus, bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var reached = new TaskCompletionSource<TStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChange(TStatus s)
        {
            if (condition(s) || _isFinal(s)) reached.TrySetResult(s);
        }
        StatusChanged += OnChange;
        try
        {
            OnChange(Status);
            return await reached.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new WildTimeoutException("LonghornOperationTimeout", $"Longhorn operation '{Name}' did not reach the expected state within {timeout.TotalSeconds:0} s.", Status.ToString(), ex);
        }
        finally
        {
            StatusChanged -= OnChange;
        }
    }

    internal CancellationToken Token => _cancel.Token;

    internal void Publish(Func<TStatus, TStatus> change)
    {
        TStatus next;
        lock (_gate)
        {
            if (_isFinal(_status)) return;
            next = change(_status);
            _status = next;
        }
        try
        {
            StatusChanged?.Invoke(next);
        }
        catch (Exception)
        {
            // A subscriber's fault must not break the simulated engine.
        }
        if (_isFinal(next)) _done.TrySetResult(next);
    }

    /// <summary>Called by the worker when it has stopped using <see cref="Token"/>.</summary>
    internal void Close() => _cancel.Dispose();
}
