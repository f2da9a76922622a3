using System.Globalization;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Volumes;

namespace Wild.Backup.Simulator.Longhorn;

public sealed partial class LonghornDataPlane
{
    /// <summary>Volume created: a sparse raw file of the size rounded up to the backup block size.</summary>
    public Task<VolumeInfo> CreateVolumeAsync(VolumeRequest request, CancellationToken ct)
    {
        ThrowIfDisposed();
        ct.ThrowIfCancellationRequested();
        var (spec, size) = SpecFor(request.Name, request.SizeBytes, request.BackupCompressionMethod, request.BackupBlockSize, fromBackup: "");
        spec = spec with
        {
            NumberOfReplicas = request.NumberOfReplicas,
            Frontend = request.Frontend,
            DataEngine = request.DataEngine,
            AccessMode = request.AccessMode,
            BackupTargetName = request.BackupTargetName,
        };
        var volume = AddVolume(request.Name, size, spec, new VolumeStatus { State = VolumeStates.Detached, Robustness = VolumeStates.Unknown });
        return Task.FromResult(Describe(volume));
    }

    public VolumeInfo GetVolume(string name) => Describe(Volume(name));

    /// <summary>Volume changed: the fields that may change on a live volume (<c>backupTargetName</c>,
    /// <c>backupCompressionMethod</c>) take effect for its next backups.</summary>
    public VolumeInfo UpdateVolume(string name, string backupTargetName, string backupCompressionMethod)
    {
        BlockStorePaths.RequireValidName(backupTargetName, "backup target");
        var method = CompressionMethods.Require(backupCompressionMethod);
        var volume = Volume(name);
        volume.UpdateSpec(s => s with { BackupTargetName = backupTargetName, BackupCompressionMethod = method });
        return Describe(volume);
    }

    public IReadOnlyList<VolumeInfo> ListVolumes() => [.. _volumes.Values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(Describe)];

    /// <summary>The volume's raw data file (the volume head), for comparing contents.</summary>
    public string GetVolumeDataPath(string name) => Volume(name).HeadPath;

    /// <summary>Volume deleted: its files go. Refused while a backup or restore of it runs.</summary>
    public Task DeleteVolumeAsync(string name, CancellationToken ct)
    {
        ThrowIfDisposed();
        ct.ThrowIfCancellationRequested();
        var volume = Volume(name);
        if (IsBusy(name)) throw new ConflictException("LonghornVolumeBusy", $"Volume '{name}' has a backup or restore running; try again when it ends.") { Target = name };
        if (_volumes.TryRemove(name, out _)) volume.Destroy();
        return Task.CompletedTask;
    }

    /// <summary>An application writes <paramref name="data"/> at <paramref name="offset"/> of the volume.</summary>
    public Task WriteAsync(string volumeName, long offset, ReadOnlyMemory<byte> data, CancellationToken ct) =>
        Volume(volumeName).WriteAsync(offset, data, ct);

    /// <summary>An application reads the volume (holes read as zeros).</summary>
    public Task ReadAsync(string volumeName, long offset, Memory<byte> buffer, CancellationToken ct) =>
        Volume(volumeName).ReadAsync(offset, buffer, ct);

    /// <summary>Snapshot created (spec.createSnapshot): the volume's content frozen; ready to use when this returns.</summary>
    public Task<SnapshotInfo> CreateSnapshotAsync(string volumeName, string snapshotName, IReadOnlyDictionary<string, string>? labels, CancellationToken ct)
    {
        ThrowIfDisposed();
        BlockStorePaths.RequireValidName(snapshotName, "snapshot");
        if (_volumes.Values.Any(v => v.HasSnapshot(snapshotName)))
            throw new ConflictException("LonghornSnapshotExists", $"A snapshot named '{snapshotName}' already exists.") { Target = snapshotName };
        return Volume(volumeName).SnapshotAsync(snapshotName, labels, Options.Time.GetUtcNow(), ct);
    }

    /// <summary>A snapshot by name (names are unique across volumes, like Snapshot CRs).</summary>
    public SnapshotInfo GetSnapshot(string snapshotName) =>
        _volumes.Values.Select(v => v.FindSnapshot(snapshotName)).FirstOrDefault(s => s is not null)
        ?? throw new NotFoundException("LonghornSnapshotNotFound", $"There is no snapshot named '{snapshotName}'.") { Target = snapshotName };

    public IReadOnlyList<SnapshotInfo> ListSnapshots(string volumeName) => Volume(volumeName).ListSnapshots();

    /// <summary>Snapshot deleted: its data merges into its child. Refused while a backup of the volume runs.</summary>
    public Task DeleteSnapshotAsync(string snapshotName, CancellationToken ct)
    {
        ThrowIfDisposed();
        var snapshot = GetSnapshot(snapshotName);
        if (IsBusy(snapshot.VolumeName))
            throw new ConflictException("LonghornVolumeBusy", $"Volume '{snapshot.VolumeName}' has a backup or restore running; delete the snapshot when it ends.") { Target = snapshotName };
        return Volume(snapshot.VolumeName).DeleteSnapshotAsync(snapshotName, ct);
    }

    internal SimVolume Volume(string name)
    {
        ThrowIfDisposed();
        return _volumes.TryGetValue(name, out var v) ? v
            : throw new NotFoundException("LonghornVolumeNotFound", $"There is no Longhorn volume named '{name}'.") { Target = name };
    }

    private SimVolume AddVolume(string name, long size, VolumeSpec spec, VolumeStatus status)
    {
        if (_volumes.ContainsKey(name)) throw new ConflictException("LonghornVolumeExists", $"A Longhorn volume named '{name}' already exists.") { Target = name };
        var volume = SimVolume.Create(VolumesRoot, name, size, spec, status, Options.VolumeLockTimeout);
        if (!_volumes.TryAdd(name, volume))
        {
            volume.Destroy();
            throw new ConflictException("LonghornVolumeExists", $"A Longhorn volume named '{name}' already exists.") { Target = name };
        }
        return volume;
    }

    // Longhorn rounds sizes up to 2 MiB; a backup block size of 16 MiB needs a multiple of that.
    private (VolumeSpec Spec, long Size) SpecFor(string name, long requestedSize, string? compression, long? blockSize, string fromBackup)
    {
        BlockStorePaths.RequireValidName(name, "volume");
        var method = CompressionMethods.Require(compression ?? Options.BackupCompressionMethod);
        var block = blockSize ?? Options.DefaultBackupBlockSize;
        if (block is not (2L * 1024 * 1024 or 16L * 1024 * 1024))
            throw new InvalidInputException("LonghornBadBlockSize", $"Backup block size {block} is not one Longhorn supports (2 MiB or 16 MiB).");
        if (requestedSize <= 0) throw new InvalidInputException("LonghornBadVolumeSize", $"Volume size {requestedSize} must be positive.");
        var size = (requestedSize + block - 1) / block * block;
        return (new VolumeSpec
        {
            Size = size.ToString(CultureInfo.InvariantCulture),
            BackupCompressionMethod = method,
            BackupBlockSize = block.ToString(CultureInfo.InvariantCulture),
            FromBackup = fromBackup,
        }, size);
    }

    private static VolumeInfo Describe(SimVolume v) => new(v.Name, v.Size, v.Spec, v.Status with { ActualSize = v.ActualSize });
}
