using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Storage;

/// <summary>
/// Retries calls that are safe to repeat (stat, list, open for reading, mkdir, delete, space, flush, probe) when they
/// fail with a transient error: an untyped I/O error or "unreachable". Typed answers (not found, conflict, no space,
/// invalid) are answers, not failures, and pass straight through. Creating and renaming are not retried: a second
/// attempt could observe the first one's effect.
/// </summary>
public sealed class RetryingStore(IBackupStore inner, RetryPolicy? policy = null) : DelegatingStore(inner)
{
    private readonly RetryPolicy _policy = policy ?? RetryPolicy.Default;

    public override Task ProbeAsync(CancellationToken ct) => Retry(async () => { await Inner.ProbeAsync(ct).ConfigureAwait(false); return true; }, ct);
    public override Task<StoreEntry?> StatAsync(string path, CancellationToken ct) => Retry(() => Inner.StatAsync(path, ct), ct);
    public override Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) => Retry(() => Inner.ListAsync(directory, ct), ct);
    public override Task CreateDirectoryAsync(string path, CancellationToken ct) => Retry(async () => { await Inner.CreateDirectoryAsync(path, ct).ConfigureAwait(false); return true; }, ct);
    public override Task<Stream> OpenReadAsync(string path, CancellationToken ct) => Retry(() => Inner.OpenReadAsync(path, ct), ct);
    public override Task DeleteFileAsync(string path, CancellationToken ct) => Retry(async () => { await Inner.DeleteFileAsync(path, ct).ConfigureAwait(false); return true; }, ct);
    public override Task DeleteDirectoryAsync(string path, CancellationToken ct) => Retry(async () => { await Inner.DeleteDirectoryAsync(path, ct).ConfigureAwait(false); return true; }, ct);
    public override Task<StoreSpace> GetSpaceAsync(CancellationToken ct) => Retry(() => Inner.GetSpaceAsync(ct), ct);
    public override Task FlushAsync(CancellationToken ct) => Retry(async () => { await Inner.FlushAsync(ct).ConfigureAwait(false); return true; }, ct);

    private async Task<T> Retry<T>(Func<Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _policy.Attempts && IsTransient(ex) && !ct.IsCancellationRequested)
            {
                await Task.Delay(_policy.DelayFor(attempt), ct).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        StorageUnreachableException => true,
        WildBackupException => false,
        IOException => true,
        _ => false,
    };
}

/// <summary>How many times, and how far apart, <see cref="RetryingStore"/> tries.</summary>
public sealed record RetryPolicy(int Attempts, TimeSpan FirstDelay, TimeSpan MaxDelay)
{
    public static readonly RetryPolicy Default = new(3, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(2));
    public static readonly RetryPolicy None = new(1, TimeSpan.Zero, TimeSpan.Zero);

    public TimeSpan DelayFor(int attempt)
    {
        var ms = FirstDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }
}
