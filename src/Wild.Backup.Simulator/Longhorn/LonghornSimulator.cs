using System.Security.Cryptography;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Controllers;
using Wild.Backup.Simulator.Longhorn.Faults;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Longhorn.Volumes;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// The Longhorn of a running simulated cluster (<c>cluster.Longhorn</c>), for tests and demos: write into a claim's
/// volume the way an application would, read volumes back to compare them byte for byte, turn the fault knobs, and
/// find where the backup store and the volume files are.
/// </summary>
public sealed class LonghornSimulator
{
    private const int ChunkSize = 4 * 1024 * 1024;
    private readonly LonghornContext _lh;

    internal LonghornSimulator(LonghornContext lh, string targetDirectory, string dataDirectory)
    {
        _lh = lh;
        TargetDirectory = Path.GetFullPath(targetDirectory);
        DataDirectory = Path.GetFullPath(dataDirectory);
    }

    /// <summary>The simulated engines and replicas: volumes, snapshots, backups and restores below the CRDs.</summary>
    public LonghornDataPlane DataPlane => _lh.Plane;

    /// <summary>Fault knobs (global, <see cref="LonghornFaults.ForVolume"/>, <see cref="LonghornFaults.ForTarget"/>); changes
    /// reach the BackupTargets' <c>status.available</c> at once.</summary>
    public LonghornFaults Faults => _lh.Plane.Faults;

    /// <summary>The default BackupTarget's URL.</summary>
    public string BackupTargetUrl => _lh.Options.BackupTargetUrl;

    /// <summary>The directory the default target's URL lands in: <c>backupstore/</c> is written here.</summary>
    public string TargetDirectory { get; }

    /// <summary>The directory holding the volume files.</summary>
    public string DataDirectory { get; }

    /// <summary>The Longhorn volume behind a bound claim (its PV's <c>csi.volumeHandle</c>).</summary>
    public string VolumeNameOf(string ns, string claimName)
    {
        var pvc = _lh.Runtime.GetObject(GroupVersionResource.PersistentVolumeClaims, ns, claimName)
            ?? throw new NotFoundException("ClaimNotFound", $"There is no PersistentVolumeClaim {ns}/{claimName}.") { Target = claimName };
        return VolumeUsage.VolumeOfClaim(_lh.Runtime, pvc)
            ?? throw new NotFoundException("ClaimNotBoundToLonghorn", $"PersistentVolumeClaim {ns}/{claimName} is not bound to a Longhorn volume (yet).") { Target = claimName };
    }

    /// <summary>Waits until the claim is bound to a Longhorn volume that holds data, and returns the volume's name.</summary>
    public async Task<string> WaitForVolumeAsync(string ns, string claimName, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        while (true)
        {
            try
            {
                var name = VolumeNameOf(ns, claimName);
                if (_lh.Store.Get(LonghornKube.Volumes, name).Str("status", "state") is "attached" or "detached") return name;
            }
            catch (NotFoundException)
            {
            }
            try
            {
                await Task.Delay(25, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new WildTimeoutException("LonghornVolumeNotReady", $"Claim {ns}/{claimName} had no Longhorn volume within {timeout.TotalSeconds:0} s.");
            }
        }
    }

    /// <summary>An application-like writer (bytes, patterns, a small filesystem of files) for a claim's volume (on an
    /// encrypted volume, the opened LUKS device).</summary>
    public VolumeDataWriter Writer(string ns, string claimName)
    {
        var volume = Writable(VolumeNameOf(ns, claimName));
        return new(_lh.Plane, volume, DeviceOffset(volume));
    }

    /// <summary>An application writes <paramref name="data"/> at <paramref name="offset"/> of the claim's volume (on an
    /// encrypted volume, of the opened LUKS device).</summary>
    public async Task WriteAsync(string ns, string claimName, long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var volume = Writable(VolumeNameOf(ns, claimName));
        await RequireOpenedAsync(volume, ct).ConfigureAwait(false);
        await _lh.Plane.WriteAsync(volume, DeviceOffset(volume) + offset, data, ct).ConfigureAwait(false);
    }

    /// <summary>An application reads the claim's volume (holes read as zeros; on an encrypted volume, the opened LUKS device).</summary>
    public async Task ReadAsync(string ns, string claimName, long offset, Memory<byte> buffer, CancellationToken ct)
    {
        var volume = VolumeNameOf(ns, claimName);
        await RequireOpenedAsync(volume, ct).ConfigureAwait(false);
        await _lh.Plane.ReadAsync(volume, DeviceOffset(volume) + offset, buffer, ct).ConfigureAwait(false);
    }

    /// <summary>Where the application's device starts in the Longhorn volume: after the LUKS header when encrypted.</summary>
    private long DeviceOffset(string volumeName) =>
        _lh.Store.Get(LonghornKube.Volumes, volumeName).Bool("spec", "encrypted") == true ? Csi.LuksHeader.Size : 0;

    private async Task RequireOpenedAsync(string volumeName, CancellationToken ct)
    {
        if (DeviceOffset(volumeName) > 0 && await Csi.LuksHeader.ReadAsync(_lh.Plane, volumeName, ct).ConfigureAwait(false) is null)
            throw new ConflictException("LonghornVolumeNotOpened", $"Volume {volumeName} is encrypted and no pod has mounted it yet, so its LUKS device does not exist.") { Target = volumeName };
    }

    /// <summary>Reads a Longhorn volume by name (holes read as zeros).</summary>
    public Task ReadVolumeAsync(string volumeName, long offset, Memory<byte> buffer, CancellationToken ct) =>
        _lh.Plane.ReadAsync(volumeName, offset, buffer, ct);

    /// <summary>SHA-256 (lower-case hex) of a volume's whole content, holes as zeros: equal hashes mean byte-identical volumes.
    /// Reads every byte, so keep volumes small where it is used.</summary>
    public async Task<string> ComputeSha256Async(string volumeName, CancellationToken ct)
    {
        var size = _lh.Plane.GetVolume(volumeName).SizeBytes;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        for (long offset = 0; offset < size; offset += ChunkSize)
        {
            var n = (int)Math.Min(ChunkSize, size - offset);
            await _lh.Plane.ReadAsync(volumeName, offset, buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            hash.AppendData(buffer, 0, n);
        }
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>The volume's raw data file (sparse, the volume's size).</summary>
    public string GetVolumeDataPath(string volumeName) => _lh.Plane.GetVolumeDataPath(volumeName);

    private string Writable(string volumeName)
    {
        if (_lh.Plane.GetVolume(volumeName).Status.RestoreRequired)
            throw new ConflictException("LonghornVolumeRestoring", $"Volume {volumeName} is being restored; its frontend is disabled until the restore ends.") { Target = volumeName };
        return volumeName;
    }
}
