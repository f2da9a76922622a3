using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Images;

/// <summary>An image file as published in a store: where, how long, its SHA-256.</summary>
public sealed record PublishedImage(string Path, long Size, string Sha256, ImageExportResult Export);

/// <summary>
/// Writes an image into a store the way every backup file is written: into a hidden temporary file beside its final
/// name, hashed while written, flushed to stable storage, re-read and compared with its hash, and only then renamed into
/// place (atomic). A failure or cancellation at any point removes the temporary file: nothing half-written is ever
/// visible under the final name, and an existing file there is kept unless it is to be replaced.
/// </summary>
public static class ImageFile
{
    /// <summary>The temporary name an image is written under: <c>.{name}.tmp-{id}</c> in the same directory.</summary>
    public static string TemporaryFor(string path) =>
        StorePath.Combine(StorePath.GetParent(path) ?? "", "." + StorePath.GetName(path) + ".tmp-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>True for the temporary files <see cref="TemporaryFor"/> names (leftovers of a killed export).</summary>
    public static bool IsTemporary(string name) => name.StartsWith('.') && name.Contains(".tmp-", StringComparison.Ordinal);

    /// <summary>
    /// Writes <paramref name="path"/> (its directory must exist) with <paramref name="write"/>. With
    /// <paramref name="replace"/> false an existing file there is a ConflictException, checked before anything is written
    /// and again, atomically, by the final rename.
    /// </summary>
    public static async Task<PublishedImage> WriteAsync(IBackupStore store, string path, long expectedLength, bool replace,
        Func<Stream, CancellationToken, Task<ImageExportResult>> write, CancellationToken ct)
    {
        path = StorePath.Normalize(path);
        if (!replace && await store.StatAsync(path, ct).ConfigureAwait(false) is not null)
            throw new ConflictException("ImageExists", $"'{path}' already exists in {store.Location}. Remove it, or replace it (-Force).") { Target = path };
        var tmp = TemporaryFor(path);
        try
        {
            ImageExportResult result;
            long size;
            string sha;
            var stream = await store.CreateFileAsync(tmp, new CreateOptions { Exclusive = true, ExpectedLength = expectedLength }, ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var hashing = new HashingStream(stream);
                result = await write(hashing, ct).ConfigureAwait(false);
                await hashing.FlushAsync(ct).ConfigureAwait(false);
                size = hashing.BytesWritten;
                sha = hashing.HashHex();
            }
            await store.FlushAsync(ct).ConfigureAwait(false);
            var record = new BackupFileRecord(StorePath.GetName(tmp), size, sha);
            var problems = await BackupVerifier.VerifyFilesAsync(store, StorePath.GetParent(tmp) ?? "", [record], null, ct).ConfigureAwait(false);
            if (problems.Count > 0)
                throw new CorruptBackupException("VerificationFailed", $"The image did not read back as written ({problems[0].Problem}); it was not kept.") { Target = path };
            await store.RenameAsync(tmp, path, overwrite: replace, ct).ConfigureAwait(false);
            await store.FlushAsync(ct).ConfigureAwait(false);
            return new PublishedImage(path, size, sha, result);
        }
        catch
        {
            await store.DeleteFileQuietlyAsync(tmp).ConfigureAwait(false);
            throw;
        }
    }
}
