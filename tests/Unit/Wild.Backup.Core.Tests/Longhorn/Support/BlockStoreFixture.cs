using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Testing;

namespace Wild.Backup.Core.Tests.Longhorn.Support;

/// <summary>A block store in a temp directory, a writer and reader over it, and helpers to make blocks and backups.</summary>
public sealed class BlockStoreFixture : IAsyncDisposable
{
    public const int BlockSize = 2 * 1024 * 1024;
    public static readonly CancellationToken Ct = CancellationToken.None;

    private readonly TempDir _dir = new("wildbackup-lh-");

    public BlockStoreFixture(BlockStoreLockOptions? locks = null)
    {
        Store = new LocalDirectoryStore(_dir.Path);
        Writer = new BlockStoreWriter(Store, new BlockStoreWriterOptions { Locks = locks ?? FastLocks });
        Reader = new BlockStoreReader(Store);
    }

    /// <summary>Longhorn's lock rules without its 2 s pause.</summary>
    public static BlockStoreLockOptions FastLocks { get; } = BlockStoreLockOptions.Longhorn with { CheckWait = TimeSpan.Zero };

    public string Root => _dir.Path;
    public LocalDirectoryStore Store { get; }
    public BlockStoreWriter Writer { get; }
    public BlockStoreReader Reader { get; }

    public string Full(string storePath) => Path.Combine(Root, storePath);

    /// <summary>A 2 MiB block whose content depends on <paramref name="seed"/> (half random, half patterned).</summary>
    public static byte[] Block(int seed)
    {
        var b = new byte[BlockSize];
        new Random(seed).NextBytes(b.AsSpan(0, BlockSize / 2));
        for (var i = BlockSize / 2; i < BlockSize; i++) b[i] = (byte)(seed + i / 4096);
        return b;
    }

    /// <summary>Runs one backup session over <paramref name="blocks"/> (block index → content) and completes it.</summary>
    public async Task<(BackupConfig Config, BackupSession Session)> BackupAsync(string volume, string backup, string snapshot, long volumeSize,
        IReadOnlyDictionary<int, byte[]> blocks, string method = "lz4", BackupMode mode = BackupMode.Incremental,
        Func<string, bool>? hasSnapshot = null)
    {
        var session = await Writer.BeginBackupAsync(new BackupSessionRequest
        {
            BackupName = backup,
            VolumeName = volume,
            VolumeSize = volumeSize,
            SnapshotName = snapshot,
            CompressionMethod = method,
            Mode = mode,
            Labels = new Dictionary<string, string> { ["app"] = "test" },
            HasLocalSnapshot = hasSnapshot,
        }, Ct);
        await using (session)
        {
            foreach (var (index, data) in blocks.OrderBy(kv => kv.Key)) await session.AddBlockAsync((long)index * BlockSize, data, Ct);
            var config = await session.CompleteAsync(Ct);
            return (config, session);
        }
    }

    /// <summary>Every .blk file under the volume, by checksum.</summary>
    public IReadOnlyList<string> BlockFiles(string volume)
    {
        var dir = Full(BlockStorePaths.BlocksDirectory(volume));
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.blk", SearchOption.AllDirectories) : [];
    }

    public IEnumerable<string> AllFiles() => Directory.GetFiles(Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f));

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _dir.Dispose();
    }
}
