namespace Wild.Backup.Simulator.Nfs;

/// <summary>
/// One Ganesha starts at a time on this machine, across processes: an exclusive lock (flock) on a file in /tmp,
/// released when the returned handle is disposed or the process dies.
/// </summary>
internal static class StartLock
{
    private static readonly string LockPath = Path.Combine(Path.GetTempPath(), "wild-ganesha-start.lock");

    public static async Task<IDisposable> AcquireAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: a second holder gets an IOException.
                return new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException)
            {
            }
            try
            {
                await Task.Delay(50, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new GaneshaStartException($"Another NFS-Ganesha has been starting on this machine for over {timeout.TotalSeconds:0} s (lock {LockPath}).", portInUse: false);
            }
        }
    }
}
