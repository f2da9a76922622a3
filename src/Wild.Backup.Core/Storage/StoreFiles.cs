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
}
