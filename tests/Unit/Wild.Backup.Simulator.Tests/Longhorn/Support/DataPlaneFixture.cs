using System.Security.Cryptography;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Longhorn.Api;

namespace Wild.Backup.Simulator.Tests.Longhorn.Support;

/// <summary>A data plane over temp directories with the backup target <c>default</c> = <see cref="TargetUrl"/>.</summary>
public sealed class DataPlaneFixture : IAsyncDisposable
{
    public const int MiB = 1024 * 1024;
    public const int BlockSize = 2 * MiB;
    public const string TargetUrl = "nfs://127.0.0.1:/export";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    public static readonly CancellationToken Ct = CancellationToken.None;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "wildbackup-lhsim-" + Guid.NewGuid().ToString("N")[..12]);

    public DataPlaneFixture(Func<LonghornDataPlaneOptions, LonghornDataPlaneOptions>? configure = null)
    {
        Directory.CreateDirectory(TargetDirectory);
        var options = new LonghornDataPlaneOptions
        {
            DataDirectory = Path.Combine(_root, "data"),
            Locks = BlockStoreLockOptions.Longhorn with { CheckWait = TimeSpan.Zero },
        };
        Plane = new LonghornDataPlane(configure is null ? options : configure(options));
        Plane.SetBackupTarget("default", TargetUrl, TargetDirectory);
    }

    public LonghornDataPlane Plane { get; }
    public string TargetDirectory => Path.Combine(_root, "export");
    public BlockStoreReader Reader => new(new Wild.Backup.Core.Storage.LocalDirectoryStore(TargetDirectory));

    /// <summary>A 2 MiB block of pseudo-random bytes from <paramref name="seed"/>.</summary>
    public static byte[] Block(int seed)
    {
        var b = new byte[BlockSize];
        new Random(seed).NextBytes(b);
        return b;
    }

    public Task<VolumeInfo> CreateVolumeAsync(string name, int sizeMiB = 32, string? compression = null) =>
        Plane.CreateVolumeAsync(new VolumeRequest { Name = name, SizeBytes = (long)sizeMiB * MiB, BackupCompressionMethod = compression }, Ct);

    /// <summary>Snapshots <paramref name="volume"/> as <paramref name="snapshot"/> and backs it up; returns the final status.</summary>
    public async Task<BackupStatus> SnapshotAndBackupAsync(string volume, string snapshot, string backup, BackupMode mode = BackupMode.Incremental)
    {
        await Plane.CreateSnapshotAsync(volume, snapshot, null, Ct);
        var handle = await Plane.StartBackupAsync(new BackupRequest
        {
            BackupName = backup,
            SnapshotName = snapshot,
            Labels = new Dictionary<string, string> { ["app"] = "demo" },
            Mode = mode,
        }, Ct);
        var status = await handle.Operation.WaitAsync(Wait, Ct);
        // A backup that shows a final state holds no lock any more (a deletion right after it must not be blocked).
        var locks = Path.Combine(TargetDirectory, BlockStorePaths.LocksDirectory(volume));
        Assert.Empty(Directory.Exists(locks) ? Directory.GetFiles(locks, "*" + BlockStorePaths.LockSuffix) : []);
        return status;
    }

    public async Task<RestoreStatus> RestoreAsync(string newVolume, string backupUrl)
    {
        var op = await Plane.StartRestoreAsync(new RestoreRequest { VolumeName = newVolume, FromBackup = backupUrl }, Ct);
        return await op.WaitAsync(Wait, Ct);
    }

    /// <summary>Every .blk of a volume in the target.</summary>
    public IReadOnlyList<string> BlockFiles(string volume)
    {
        var dir = Path.Combine(TargetDirectory, BlockStorePaths.BlocksDirectory(volume));
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.blk", SearchOption.AllDirectories) : [];
    }

    public string BlockFile(string volume, string checksum) => Path.Combine(TargetDirectory, BlockStorePaths.Block(volume, checksum));

    public static string Sha256Of(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(fs));
    }

    public string VolumeSha256(string volume) => Sha256Of(Plane.GetVolumeDataPath(volume));

    public async ValueTask DisposeAsync()
    {
        await Plane.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
