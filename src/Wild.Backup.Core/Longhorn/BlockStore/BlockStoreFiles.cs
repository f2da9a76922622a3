using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>Reading and writing whole files of the block store the way Longhorn's file-system drivers do.</summary>
internal static class BlockStoreFiles
{
    /// <summary>
    /// fsops.Write: creates the parent directories, writes <c>&lt;dst&gt;.tmp.&lt;unixnano&gt;</c>, closes it, renames it over
    /// <paramref name="path"/>. A failed write removes the temporary file.
    /// </summary>
    public static async Task WriteAtomicallyAsync(IBackupStore store, string path, ReadOnlyMemory<byte> content, TimeProvider time, CancellationToken ct)
    {
        var parent = StorePath.GetParent(path);
        if (!string.IsNullOrEmpty(parent)) await store.CreateDirectoryAsync(parent, ct).ConfigureAwait(false);
        var tmp = BlockStorePaths.TemporaryFor(path, time.GetUtcNow());
        try
        {
            var stream = await store.CreateFileAsync(tmp, new CreateOptions { ExpectedLength = content.Length }, ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, ct).ConfigureAwait(false);
            }
            await store.RenameAsync(tmp, path, overwrite: true, ct).ConfigureAwait(false);
        }
        catch
        {
            // Best effort: a stray .tmp file is ignored by every listing (it lacks the .cfg/.blk/.lck suffix).
            await store.DeleteFileQuietlyAsync(tmp).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The entries of a directory, or null when it does not exist (its parent being readable).</summary>
    public static async Task<IReadOnlyList<StoreEntry>?> ListIfExistsAsync(IBackupStore store, string directory, CancellationToken ct)
    {
        try
        {
            return await store.ListAsync(directory, ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }
}
