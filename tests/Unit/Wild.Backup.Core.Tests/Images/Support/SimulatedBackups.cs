using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Testing;

namespace Wild.Backup.Core.Tests.Images.Support;

/// <summary>
/// Longhorn's data plane as the simulator runs it, over a temp directory: volumes written like a disk, backed up into
/// the real block-store format, and restored by the simulator into raw volume files — the reference the exported images
/// are compared with.
/// </summary>
public sealed class SimulatedBackups : IAsyncDisposable
{
    public const long MiB = 1024 * 1024;
    public const string TargetUrl = "nfs://127.0.0.1:/export";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly TempDir _dir = new("wildbackup-export-");

    public SimulatedBackups(string? targetDirectory = null)
    {
        TargetDirectory = targetDirectory ?? _dir.Combine("target");
        Directory.CreateDirectory(TargetDirectory);
        Plane = new LonghornDataPlane(new LonghornDataPlaneOptions
        {
            DataDirectory = _dir.Combine("data"),
            Locks = BlockStoreLockOptions.Longhorn with { CheckWait = TimeSpan.Zero },
        });
        Plane.SetBackupTarget("default", TargetUrl, TargetDirectory);
    }

    public LonghornDataPlane Plane { get; }
    public string TargetDirectory { get; }
    public string Scratch(string name) => _dir.Combine(name);
    public BlockStoreReader Reader => new(new LocalDirectoryStore(TargetDirectory));

    public Task CreateVolumeAsync(string name, long size, string compression = "lz4", long? blockSize = null) =>
        Plane.CreateVolumeAsync(new VolumeRequest { Name = name, SizeBytes = size, BackupCompressionMethod = compression, BackupBlockSize = blockSize }, Ct);

    public Task WriteAsync(string volume, long offset, byte[] data) => Plane.WriteAsync(volume, offset, data, Ct);

    /// <summary>Seeded random bytes.</summary>
    public static byte[] Random(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>Snapshots and backs up <paramref name="volume"/>; returns the backup's name. Fails unless it completes.</summary>
    public async Task<string> BackupAsync(string volume, string backup)
    {
        await Plane.CreateSnapshotAsync(volume, "snap-" + backup, null, Ct);
        var handle = await Plane.StartBackupAsync(new BackupRequest { BackupName = backup, SnapshotName = "snap-" + backup }, Ct);
        var status = await handle.Operation.WaitAsync(Wait, Ct);
        if (status.State != "Completed") throw new InvalidOperationException($"backup {backup} ended {status.State}: {status.Error}");
        return backup;
    }

    /// <summary>The simulator's restore of <paramref name="backup"/> into a new volume: the path of its raw data.</summary>
    public async Task<string> RestoreAsync(string volume, string backup)
    {
        var restored = "r-" + backup;
        var op = await Plane.StartRestoreAsync(new RestoreRequest { VolumeName = restored, FromBackup = BackupUrl.Encode(TargetUrl, volume, backup) }, Ct);
        var status = await op.WaitAsync(Wait, Ct);
        if (!string.IsNullOrEmpty(status.Error)) throw new InvalidOperationException($"restore of {backup} failed: {status.Error}");
        return Plane.GetVolumeDataPath(restored);
    }

    public string BlockFile(string volume, string checksum) => Path.Combine(TargetDirectory, BlockStorePaths.Block(volume, checksum));

    public async ValueTask DisposeAsync()
    {
        await Plane.DisposeAsync();
        _dir.Dispose();
    }
}
