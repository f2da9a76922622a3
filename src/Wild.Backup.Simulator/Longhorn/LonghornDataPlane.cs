using System.Collections.Concurrent;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn.Faults;
using Wild.Backup.Simulator.Longhorn.Targets;
using Wild.Backup.Simulator.Longhorn.Volumes;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// The simulated Longhorn data plane: volumes (sparse raw files), snapshots, backups into Longhorn's real block store
/// on a backup target directory, backup deletion with garbage collection, restores, and fault knobs.
/// Each public method is what a Longhorn controller does when a CR changes (Volume created → <see cref="CreateVolumeAsync"/>,
/// Snapshot created → <see cref="CreateSnapshotAsync"/>, Backup created → <see cref="AdmitBackupAsync"/> (the webhook)
/// then <see cref="StartBackupAsync"/>, Backup deleted → <see cref="DeleteBackupAsync"/>, Volume with fromBackup →
/// <see cref="StartRestoreAsync"/>, BackupTarget/BackupVolume sync → <see cref="GetBackupTargetAsync"/> /
/// <see cref="ListBackupVolumesAsync"/> / <see cref="ListBackupsAsync"/>); results are records whose JSON names are the CRD
/// status fields (namespace <c>Wild.Backup.Simulator.Longhorn.Api</c>). Everything is async, cancellable and bounded in time.
/// </summary>
public sealed partial class LonghornDataPlane : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SimVolume> _volumes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Volume, Task Task)> _work = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly BackupTargetRegistry _targets;
    private int _disposed;

    public LonghornDataPlane(LonghornDataPlaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Path.IsPathRooted(options.DataDirectory))
            throw new InvalidInputException("InvalidDataDirectory", "The simulator's data directory must be an absolute path.");
        CompressionMethods.Require(options.BackupCompressionMethod);
        Options = options;
        Directory.CreateDirectory(VolumesRoot);
        _targets = new BackupTargetRegistry(Faults, options.Time, new BlockStoreWriterOptions { Locks = options.Locks with { Time = options.Time }, Time = options.Time });
    }

    public LonghornDataPlaneOptions Options { get; }

    /// <summary>The fault knobs; change them at any time.</summary>
    public LonghornFaults Faults { get; } = new();

    private string VolumesRoot => Path.Combine(Options.DataDirectory, "volumes");

    private string Now() => BlockStoreWriter.FormatTime(Options.Time.GetUtcNow());

    /// <summary>Cancels running backups and restores, waits for them (bounded), and closes every volume file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping.Cancel();
        try
        {
            await Task.WhenAll(_work.Values.Select(w => w.Task)).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Workers that ignore cancellation for a minute are abandoned; their files are closed below.
        }
        foreach (var v in _volumes.Values) v.Dispose();
        _stopping.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    /// <summary>Runs <paramref name="work"/> on <paramref name="volume"/> in the background, tracked for
    /// <see cref="DisposeAsync"/> and for refusing conflicting changes while it runs.</summary>
    private void Track(string key, string volume, Func<Task> work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.TryAdd(key, (volume, done.Task)))
            throw new ConflictException("LonghornOperationExists", $"Longhorn operation '{key}' is already running.") { Target = key };
        _ = Task.Run(async () =>
        {
            try
            {
                await work().ConfigureAwait(false);
            }
            finally
            {
                _work.TryRemove(key, out _);
                done.TrySetResult();
            }
        });
    }

    private bool IsBusy(string volumeName) => _work.Values.Any(w => w.Volume == volumeName);
}
