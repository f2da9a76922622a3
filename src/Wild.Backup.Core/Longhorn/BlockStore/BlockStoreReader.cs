using System.Runtime.CompilerServices;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>A backup volume found in the store: its name, and its volume.cfg or why it could not be read.</summary>
public sealed record BackupVolumeEntry(string Name, VolumeConfig? Config, string? Error);

/// <summary>A backup cfg found for a volume: its name, and the cfg or why it could not be read.</summary>
public sealed record BackupEntry(string Name, BackupConfig? Config, string? Error);

/// <summary>One block of a backup, decompressed and verified against its checksum.</summary>
public sealed record BackupBlock(long Offset, string Checksum, ReadOnlyMemory<byte> Data, long StoredLength);

/// <summary>
/// Reads Longhorn backups from a target (a local directory, a mounted share or an <c>nfs://</c> store): lists backup
/// volumes and backups, reads block maps, and streams a backup's blocks in offset order, each decompressed and
/// checked against its SHA-512 checksum. A missing or unreadable store raises the storage errors of
/// <see cref="IBackupStore"/>; a missing <c>backupstore/volumes</c> is NotFoundException, never an empty list.
/// </summary>
public sealed class BlockStoreReader(IBackupStore store)
{
    public IBackupStore Store { get; } = store;

    /// <summary>Every backup volume directory under <c>backupstore/volumes/xx/yy/</c>, with its volume.cfg when readable.</summary>
    public async Task<IReadOnlyList<BackupVolumeEntry>> ListVolumesAsync(CancellationToken ct)
    {
        IReadOnlyList<StoreEntry> level1;
        try
        {
            level1 = await Store.ListAsync(BlockStorePaths.VolumesDirectory, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw new NotFoundException("LonghornStoreNotFound",
                $"No Longhorn backup store at {Store.Location}: '{BlockStorePaths.VolumesDirectory}' does not exist.", ex.Message, ex)
            { Target = BlockStorePaths.VolumesDirectory };
        }
        var found = new List<(string Name, string Directory)>();
        foreach (var l1 in level1.Where(e => e.IsDirectory))
        {
            foreach (var l2 in (await Store.ListAsync(l1.Path, ct).ConfigureAwait(false)).Where(e => e.IsDirectory))
            {
                foreach (var v in await Store.ListAsync(l2.Path, ct).ConfigureAwait(false))
                {
                    if (v.IsDirectory && BlockStorePaths.IsValidName(v.Name)) found.Add((v.Name, v.Path));
                }
            }
        }
        var result = new List<BackupVolumeEntry>(found.Count);
        foreach (var (name, directory) in found.OrderBy(x => x.Name, StringComparer.Ordinal).ThenBy(x => x.Directory, StringComparer.Ordinal))
        {
            if (directory != BlockStorePaths.VolumeDirectory(name))
            {
                result.Add(new BackupVolumeEntry(name, null, $"'{directory}' is not where Longhorn keeps volume '{name}' ({BlockStorePaths.VolumeDirectory(name)})."));
                continue;
            }
            try
            {
                result.Add(new BackupVolumeEntry(name, await ReadVolumeConfigAsync(name, ct).ConfigureAwait(false), null));
            }
            catch (Exception ex) when (ex is NotFoundException or CorruptBackupException)
            {
                result.Add(new BackupVolumeEntry(name, null, ex.Message));
            }
        }
        return result;
    }

    /// <summary>A volume's volume.cfg. NotFoundException when the backup volume has none.</summary>
    public async Task<VolumeConfig> ReadVolumeConfigAsync(string volumeName, CancellationToken ct)
    {
        var path = BlockStorePaths.VolumeConfig(volumeName);
        var bytes = await ReadOrAsync(path, ex => VolumeNotFound(volumeName, ex), ct).ConfigureAwait(false);
        return VolumeConfigJson.Deserialize(bytes, path);
    }

    /// <summary>
    /// The names of a volume's backup cfgs, completed or not. A volume whose directory exists but has no
    /// <c>backups</c> directory has none; a volume directory that does not exist raises NotFoundException.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListBackupNamesAsync(string volumeName, CancellationToken ct)
    {
        var volumeDir = BlockStorePaths.VolumeDirectory(volumeName);
        IReadOnlyList<StoreEntry> top;
        try
        {
            top = await Store.ListAsync(volumeDir, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw VolumeNotFound(volumeName, ex);
        }
        if (!top.Any(e => e.IsDirectory && e.Name == BlockStorePaths.BackupsDirectoryName)) return [];
        var entries = await Store.ListAsync(BlockStorePaths.BackupsDirectory(volumeName), ct).ConfigureAwait(false);
        return entries
            .Where(e => !e.IsDirectory)
            .Select(e => BlockStorePaths.ExtractName(e.Name, BlockStorePaths.BackupConfigPrefix, BlockStorePaths.ConfigSuffix))
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Every backup cfg of a volume (in-progress ones included, see <see cref="BackupConfig.IsInProgress"/>).</summary>
    public async Task<IReadOnlyList<BackupEntry>> ListBackupsAsync(string volumeName, CancellationToken ct)
    {
        var result = new List<BackupEntry>();
        foreach (var name in await ListBackupNamesAsync(volumeName, ct).ConfigureAwait(false))
        {
            try
            {
                result.Add(new BackupEntry(name, await ReadBackupConfigAsync(volumeName, name, ct).ConfigureAwait(false), null));
            }
            catch (Exception ex) when (ex is NotFoundException or CorruptBackupException)
            {
                result.Add(new BackupEntry(name, null, ex.Message));
            }
        }
        return result;
    }

    /// <summary>A backup cfg as stored (possibly in progress). NotFoundException when absent.</summary>
    public async Task<BackupConfig> ReadBackupConfigAsync(string volumeName, string backupName, CancellationToken ct)
    {
        var path = BlockStorePaths.BackupConfig(volumeName, backupName);
        var bytes = await ReadOrAsync(path, ex => new NotFoundException("LonghornBackupNotFound",
            $"Longhorn backup '{backupName}' of volume '{volumeName}' does not exist at {Store.Location}.", ex.Message, ex) { Target = backupName }, ct).ConfigureAwait(false);
        return BackupConfigJson.Deserialize(bytes, path);
    }

    /// <summary>The checked block map of a completed backup (ConflictException while it is in progress).</summary>
    public async Task<BlockMap> ReadBlockMapAsync(string volumeName, string backupName, CancellationToken ct)
    {
        var volume = await ReadVolumeConfigAsync(volumeName, ct).ConfigureAwait(false);
        var backup = await ReadBackupConfigAsync(volumeName, backupName, ct).ConfigureAwait(false);
        return BlockMap.From(backup, volume.Size, BlockStorePaths.BackupConfig(volumeName, backupName));
    }

    /// <summary>
    /// The blocks of <paramref name="map"/> in offset order, each read, decompressed and verified. A missing,
    /// undecodable or mismatching block raises CorruptBackupException naming the block, its offset and the backup.
    /// </summary>
    public async IAsyncEnumerable<BackupBlock> ReadBlocksAsync(BlockMap map, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var mapping in map.Blocks)
        {
            ct.ThrowIfCancellationRequested();
            yield return await ReadBlockAsync(map, mapping, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Like <see cref="ReadBlocksAsync(BlockMap, CancellationToken)"/>, with up to <paramref name="readAhead"/> blocks read,
    /// decompressed and verified in parallel ahead of the consumer (on the thread pool); still yielded in offset order.
    /// Memory is bounded by the read-ahead, never by the volume. A failure is raised when its block's turn comes; reads
    /// still running when the consumer stops (failure, cancellation, early exit) are awaited before this returns.
    /// </summary>
    public async IAsyncEnumerable<BackupBlock> ReadBlocksAsync(BlockMap map, int readAhead, [EnumeratorCancellation] CancellationToken ct)
    {
        if (readAhead < 1) throw new ArgumentOutOfRangeException(nameof(readAhead));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pending = new Queue<Task<BackupBlock>>();
        var next = 0;
        try
        {
            while (next < map.Blocks.Count || pending.Count > 0)
            {
                while (pending.Count < readAhead && next < map.Blocks.Count)
                {
                    var mapping = map.Blocks[next++];
                    pending.Enqueue(Task.Run(() => ReadBlockAsync(map, mapping, stop.Token), stop.Token));
                }
                var block = await pending.Dequeue().ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
                yield return block;
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var t in pending)
            {
                try
                {
                    await t.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The consumer stopped (or an earlier block failed): what these reads found no longer matters.
                }
            }
        }
    }

    /// <summary>One block of a backup, verified (see <see cref="ReadBlocksAsync(BlockMap, CancellationToken)"/>).</summary>
    public async Task<BackupBlock> ReadBlockAsync(BlockMap map, BlockMapping mapping, CancellationToken ct)
    {
        var path = BlockStorePaths.Block(map.VolumeName, mapping.BlockChecksum);
        ArraySegment<byte> stored;
        try
        {
            stored = await ReadBlockFileAsync(path, (int)map.BlockSize, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw BlockError(map, mapping, path, "is missing", ex);
        }
        byte[] data;
        try
        {
            data = BlockCodec.DecodeSegment(map.CompressionMethod, stored, (int)map.BlockSize);
        }
        catch (InvalidDataException ex)
        {
            throw BlockError(map, mapping, path, $"cannot be decompressed ({ex.Message})", ex);
        }
        var actual = BlockChecksum.Of(data);
        if (actual != mapping.BlockChecksum) throw BlockError(map, mapping, path, $"fails its checksum (content hashes to {actual})", null);
        if (data.Length != map.BlockSize) throw BlockError(map, mapping, path, $"holds {data.Length} bytes instead of {map.BlockSize}", null);
        return new BackupBlock(mapping.Offset, mapping.BlockChecksum, data, stored.Count);
    }

    /// <summary>A whole <c>.blk</c>, read into one array sized for a block (an incompressible one is a few bytes larger and
    /// grows it once), so a block costs one or two allocations and no copy.</summary>
    private async Task<ArraySegment<byte>> ReadBlockFileAsync(string path, int blockSize, CancellationToken ct)
    {
        var stream = await Store.OpenReadAsync(path, ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[blockSize];
            var n = 0;
            var probe = new byte[1];
            while (true)
            {
                if (n == buffer.Length)
                {
                    // Full: a stored "none" block is exactly this; anything more grows the array.
                    if (await stream.ReadAsync(probe, ct).ConfigureAwait(false) == 0) return new ArraySegment<byte>(buffer);
                    Array.Resize(ref buffer, buffer.Length + Math.Max(4096, buffer.Length / 8));
                    buffer[n++] = probe[0];
                }
                var read = await stream.ReadAsync(buffer.AsMemory(n), ct).ConfigureAwait(false);
                if (read == 0) return new ArraySegment<byte>(buffer, 0, n);
                n += read;
            }
        }
    }

    /// <summary>
    /// Writes the backup as a raw image into <paramref name="target"/> (seekable, writable): sets its length to the
    /// volume size and writes every block at its offset, leaving holes unwritten. Reports bytes of blocks done.
    /// </summary>
    public async Task WriteRawImageAsync(BlockMap map, Stream target, IProgress<long>? progress, CancellationToken ct)
    {
        if (!target.CanSeek || !target.CanWrite) throw new ArgumentException("The target stream must be seekable and writable.", nameof(target));
        target.SetLength(map.VolumeSize);
        long done = 0;
        await foreach (var block in ReadBlocksAsync(map, ct).ConfigureAwait(false))
        {
            target.Position = block.Offset;
            await target.WriteAsync(block.Data, ct).ConfigureAwait(false);
            done += block.Data.Length;
            progress?.Report(done);
        }
        await target.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The whole file, or the exception <paramref name="whenMissing"/> makes when it does not exist.</summary>
    private async Task<byte[]> ReadOrAsync(string path, Func<NotFoundException, Exception> whenMissing, CancellationToken ct)
    {
        try
        {
            return await Store.ReadAllAsync(path, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw whenMissing(ex);
        }
    }

    private NotFoundException VolumeNotFound(string volumeName, NotFoundException ex) =>
        new("LonghornVolumeNotFound", $"Longhorn backup volume '{volumeName}' does not exist at {Store.Location}.", ex.Message, ex) { Target = volumeName };

    private static CorruptBackupException BlockError(BlockMap map, BlockMapping mapping, string path, string what, Exception? inner) =>
        new("LonghornBlockCorrupt",
            $"Block {mapping.BlockChecksum} at offset {mapping.Offset} of Longhorn backup '{map.BackupName}' (volume '{map.VolumeName}') {what}.",
            path, inner)
        { Target = path };
}
