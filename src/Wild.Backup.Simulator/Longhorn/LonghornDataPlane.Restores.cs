using System.Collections.Concurrent;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Operations;
using Wild.Backup.Simulator.Longhorn.Targets;
using Wild.Backup.Simulator.Longhorn.Volumes;

namespace Wild.Backup.Simulator.Longhorn;

public sealed partial class LonghornDataPlane
{
    private readonly ConcurrentDictionary<string, LonghornOperation<RestoreStatus>> _restores = new(StringComparer.Ordinal);

    /// <summary>
    /// Volume created with <c>spec.fromBackup</c>: checks the backup exists and is complete, creates the volume with
    /// <c>restoreRequired: true</c>, then restores every block, verifying its checksum, under Longhorn's restore lock.
    /// The operation's status is the Engine's restore status; when it completes the volume's <c>restoreRequired</c> turns
    /// false. A corrupt or missing block ends it in error naming the block (the volume turns faulted).
    /// </summary>
    public async Task<LonghornOperation<RestoreStatus>> StartRestoreAsync(RestoreRequest request, CancellationToken ct)
    {
        ThrowIfDisposed();
        var url = BackupUrl.Decode(request.FromBackup);
        if (url.BackupName is null) throw new InvalidInputException("InvalidBackupUrl", $"'{request.FromBackup}' names no backup.");
        var target = _targets.GetByUrl(url.TargetUrl);
        var map = await target.Reader.ReadBlockMapAsync(url.VolumeName, url.BackupName, ct).ConfigureAwait(false);
        var requested = request.SizeBytes ?? map.VolumeSize;
        if (requested < map.VolumeSize)
            throw new InvalidInputException("LonghornRestoreTooSmall", $"Volume '{request.VolumeName}' ({requested} bytes) is smaller than the backup's volume ({map.VolumeSize} bytes).");
        var (spec, size) = SpecFor(request.VolumeName, requested, compression: null, blockSize: map.BlockSize, fromBackup: request.FromBackup);
        spec = spec with { NumberOfReplicas = request.NumberOfReplicas };
        var volume = AddVolume(request.VolumeName, size, spec, new VolumeStatus
        {
            State = VolumeStates.Attached,
            Robustness = VolumeStates.Healthy,
            RestoreRequired = true,
            RestoreInitiated = true,
        });
        var op = new LonghornOperation<RestoreStatus>(request.VolumeName, new RestoreStatus
        {
            IsRestoring = true,
            CurrentRestoringBackup = url.BackupName,
            State = RestoreStatus.States.InProgress,
            BackupUrl = request.FromBackup,
        }, s => s.IsFinal, _stopping.Token);
        _restores[request.VolumeName] = op;
        Track("restore/" + request.VolumeName, volume.Name, () => RunRestoreAsync(op, volume, target, map));
        return op;
    }

    /// <summary>The restore status of a volume restored here, or null.</summary>
    public RestoreStatus? GetRestoreStatus(string volumeName) => _restores.TryGetValue(volumeName, out var op) ? op.Status : null;

    private async Task RunRestoreAsync(LonghornOperation<RestoreStatus> op, SimVolume volume, SimBackupTarget target, BlockMap map)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(op.Token);
        timeout.CancelAfter(Options.RestoreTimeout);
        var ct = timeout.Token;
        try
        {
            var heldLock = await target.Writer.AcquireLockAsync(map.VolumeName, BlockStoreLockType.BackupOrRestore, ct).ConfigureAwait(false);
            await using (heldLock.ConfigureAwait(false))
            {
                var done = 0;
                await foreach (var block in target.Reader.ReadBlocksAsync(map, ct).ConfigureAwait(false))
                {
                    await volume.WriteAsync(block.Offset, block.Data, ct).ConfigureAwait(false);
                    var progress = (int)(++done * 100L / map.Blocks.Count);
                    op.Publish(s => s with { Progress = progress });
                }
            }
            volume.UpdateStatus(s => s with { RestoreRequired = false, State = VolumeStates.Detached, Robustness = VolumeStates.Unknown });
            op.Publish(s => s with { IsRestoring = false, LastRestored = map.BackupName, CurrentRestoringBackup = "", Progress = 100, State = RestoreStatus.States.Complete });
        }
        catch (Exception ex)
        {
            // Any failure (corrupt block, unreachable target, cancellation, timeout) ends the restore in error; nothing escapes the worker.
            var message = ex switch
            {
                OperationCanceledException when op.Token.IsCancellationRequested => "restore cancelled",
                OperationCanceledException => $"restore did not finish within {Options.RestoreTimeout}",
                _ => Describe(ex),
            };
            volume.UpdateStatus(s => s with { Robustness = VolumeStates.Faulted, State = VolumeStates.Detached });
            op.Publish(s => s with { IsRestoring = false, Error = message, State = RestoreStatus.States.Error });
        }
        finally
        {
            op.Close();
        }
    }
}
