namespace Wild.Backup.Core.Storage;

/// <summary>A write stream that can leave a hole: move its write position forward without writing, so the range reads
/// as zeros and, where the file system allows, takes no space (a sparse file). The streams of
/// <see cref="IBackupStore.CreateFileAsync"/> implement it (local files: lseek; NFS: the next WRITE's offset; the
/// wrappers pass it on); a hole at the very end does not extend the file until something is written after it.</summary>
public interface ISparseWriteStream
{
    /// <summary>Advances the write position by <paramref name="bytes"/> without writing them.</summary>
    ValueTask SkipAsync(long bytes, CancellationToken ct);
}

/// <summary>Leaves holes in streams that can (<see cref="ISparseWriteStream"/>) and writes zeros to those that cannot.</summary>
public static class SparseWrite
{
    private static readonly byte[] Zeros = new byte[1 << 16];

    public static async ValueTask SkipAsync(Stream output, long bytes, CancellationToken ct)
    {
        if (bytes <= 0) return;
        if (output is ISparseWriteStream sparse)
        {
            await sparse.SkipAsync(bytes, ct).ConfigureAwait(false);
            return;
        }
        while (bytes > 0)
        {
            var n = (int)Math.Min(bytes, Zeros.Length);
            await output.WriteAsync(Zeros.AsMemory(0, n), ct).ConfigureAwait(false);
            bytes -= n;
        }
    }
}
