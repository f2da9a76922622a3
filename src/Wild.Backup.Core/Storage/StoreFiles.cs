namespace Wild.Backup.Core.Storage;

/// <summary>What every store can do through its streams, written once.</summary>
internal static class StoreFiles
{
    /// <summary>The whole file (records, locks, config sections: small files), or NotFoundException.</summary>
    public static async Task<byte[]> ReadAllAsync(this IBackupStore store, string path, CancellationToken ct)
    {
        var stream = await store.OpenReadAsync(path, ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var ms = new MemoryStream();
            await stream.CopyToAsync(ms, ct).ConfigureAwait(false);
            return ms.ToArray();
        }
    }

    /// <summary>Deletes a file, best effort, within its own 30 s deadline (also after the caller was cancelled): for
    /// leftovers that something else cleans up if this fails (a temp file, a lock that goes stale).</summary>
    public static async Task DeleteFileQuietlyAsync(this IBackupStore store, string path)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await store.DeleteFileAsync(path, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or Errors.WildBackupException or OperationCanceledException)
        {
        }
    }
}
