using System.Collections.Concurrent;
using System.Globalization;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Operations;
using Wild.Backup.Simulator.Longhorn.Targets;
using Wild.Backup.Simulator.Longhorn.Volumes;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>What Longhorn's Backup webhook decided: the volume and target, the labels it adds to the Backup's metadata
/// (<c>backup-volume</c>, <c>backup-target</c>) and the spec labels (with <c>longhorn.io/volume-access-mode</c>).</summary>
public sealed record BackupAdmission(
    string BackupName,
    string VolumeName,
    string SnapshotName,
    string BackupTargetName,
    BackupMode Mode,
    IReadOnlyDictionary<string, string> MetadataLabels,
    IReadOnlyDictionary<string, string> SpecLabels);

/// <summary>A backup started by <see cref="LonghornDataPlane.StartBackupAsync"/>.</summary>
public sealed record BackupHandle(BackupAdmission Admission, LonghornOperation<BackupStatus> Operation);

public sealed partial class LonghornDataPlane
{
    public const string LabelBackupVolume = "backup-volume";
    public const string LabelBackupTarget = "backup-target";
    public const string LabelVolumeAccessMode = "longhorn.io/volume-access-mode";

    private readonly ConcurrentDictionary<string, BackupHandle> _backups = new(StringComparer.Ordinal);

    /// <summary>
    /// Longhorn's Backup webhook: finds the snapshot's volume and target, adds the labels, and rejects the Backup
    /// (<see cref="AdmissionDeniedException"/>) when the name is invalid, the snapshot or volume is unknown or mismatched,
    /// or the target is unknown or unavailable.
    /// </summary>
    public async Task<BackupAdmission> AdmitBackupAsync(BackupRequest request, CancellationToken ct)
    {
        ThrowIfDisposed();
        if (!BlockStorePaths.IsValidName(request.BackupName)) throw new AdmissionDeniedException($"invalid name {request.BackupName}");
        var snapshot = _volumes.Values.Select(v => v.FindSnapshot(request.SnapshotName)).FirstOrDefault(s => s is not null)
            ?? throw new AdmissionDeniedException($"snapshot {request.SnapshotName} is invalid");
        if (request.VolumeName is { } named && named != snapshot.VolumeName)
            throw new AdmissionDeniedException($"snapshot volume name {snapshot.VolumeName} and label volume name {named} does not match");
        var volume = Volume(snapshot.VolumeName);
        var targetName = request.BackupTargetName ?? volume.Spec.BackupTargetName;
        if (targetName != volume.Spec.BackupTargetName)
            throw new AdmissionDeniedException($"volume backup target {volume.Spec.BackupTargetName} and label backup target {targetName} does not match");
        SimBackupTarget target;
        try
        {
            target = _targets.Get(targetName);
        }
        catch (NotFoundException ex)
        {
            throw new AdmissionDeniedException($"failed to get backup target {targetName}: {ex.Message}");
        }
        if (await ProbeAsync(target, ct).ConfigureAwait(false) is { } why)
            throw new AdmissionDeniedException($"backup target {targetName} is not available", why);

        var specLabels = new Dictionary<string, string>(request.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        specLabels.TryAdd(LabelVolumeAccessMode, volume.Spec.AccessMode);
        return new BackupAdmission(request.BackupName, volume.Name, snapshot.Name, targetName, request.Mode,
            new Dictionary<string, string> { [LabelBackupVolume] = volume.Name, [LabelBackupTarget] = targetName }, specLabels);
    }

    /// <summary>
    /// Backup created: admits it (<see cref="AdmitBackupAsync"/>) and starts writing it to the target's block store.
    /// The returned operation's status moves Pending → InProgress (progress 0–95) → Completed (100, url, sizes) or Error.
    /// Only blocks changed since the last backed-up snapshot are read; holes are never read; existing blocks are not uploaded.
    /// </summary>
    public async Task<BackupHandle> StartBackupAsync(BackupRequest request, CancellationToken ct)
    {
        var admission = await AdmitBackupAsync(request, ct).ConfigureAwait(false);
        var volume = Volume(admission.VolumeName);
        var target = _targets.Get(admission.BackupTargetName);
        var operation = new LonghornOperation<BackupStatus>(admission.BackupName, new BackupStatus
        {
            State = BackupStates.Pending,
            SnapshotName = admission.SnapshotName,
            VolumeName = volume.Name,
            VolumeSize = volume.Size.ToString(CultureInfo.InvariantCulture),
            BackupTargetName = target.Name,
        }, s => s.IsFinal, _stopping.Token);
        var handle = new BackupHandle(admission, operation);
        if (!_backups.TryAdd(admission.BackupName, handle))
            throw new ConflictException("LonghornBackupExists", $"A backup named '{admission.BackupName}' already exists.") { Target = admission.BackupName };
        try
        {
            Track("backup/" + admission.BackupName, volume.Name, () => RunBackupAsync(handle, volume, target));
        }
        catch
        {
            _backups.TryRemove(admission.BackupName, out _);
            throw;
        }
        return handle;
    }

    /// <summary>The live status of a backup started here, or null.</summary>
    public BackupStatus? GetBackupStatus(string backupName) => _backups.TryGetValue(backupName, out var h) ? h.Operation.Status : null;

    /// <summary>
    /// Backup deleted (its finalizer): a running backup is cancelled first; then, under Longhorn's deletion lock, its
    /// cfg is removed and unreferenced blocks are garbage-collected. Fails (and keeps everything) when the target cannot be reached.
    /// </summary>
    public async Task<BackupDeletionResult> DeleteBackupAsync(string backupName, string? volumeName, string? targetName, CancellationToken ct)
    {
        ThrowIfDisposed();
        _backups.TryGetValue(backupName, out var known);
        volumeName ??= known?.Admission.VolumeName
            ?? throw new InvalidInputException("LonghornBackupVolumeUnknown", $"Say which volume backup '{backupName}' belongs to.");
        var target = _targets.Get(targetName ?? known?.Admission.BackupTargetName ?? "default");
        if (known is not null && !known.Operation.Status.IsFinal)
        {
            known.Operation.Cancel();
            await known.Operation.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }
        if (Faults.DeleteDelayFor(volumeName) is { } delay && delay > TimeSpan.Zero) await Task.Delay(delay, Options.Time, ct).ConfigureAwait(false);
        if (Faults.DeleteErrorFor(volumeName) is { } injected) throw new IOException(injected);
        var result = await target.Writer.DeleteBackupAsync(volumeName, backupName, ct).ConfigureAwait(false);
        _backups.TryRemove(backupName, out _);
        if (_volumes.TryGetValue(volumeName, out var volume) && volume.Status.LastBackup == backupName)
        {
            var cfg = await target.Reader.ReadVolumeConfigAsync(volumeName, ct).ConfigureAwait(false);
            volume.UpdateStatus(s => s with { LastBackup = cfg.LastBackupName, LastBackupAt = cfg.LastBackupAt });
        }
        return result;
    }

    /// <summary>BackupVolume deleted (its finalizer, target available): the backup volume's directory goes from the store —
    /// every backup of the volume with its blocks (backupstore DeleteBackupVolume, under the deletion lock).</summary>
    public async Task DeleteBackupVolumeAsync(string targetName, string volumeName, CancellationToken ct)
    {
        ThrowIfDisposed();
        var target = _targets.Get(targetName);
        if (Faults.DeleteErrorFor(volumeName) is { } injected) throw new IOException(injected);
        foreach (var running in _backups.Values.Where(b => b.Admission.VolumeName == volumeName && b.Admission.BackupTargetName == targetName && !b.Operation.Status.IsFinal))
        {
            running.Operation.Cancel();
            await running.Operation.WaitAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }
        var heldLock = await target.Writer.AcquireLockAsync(volumeName, BlockStoreLockType.Deletion, ct).ConfigureAwait(false);
        await using (heldLock.ConfigureAwait(false))
        {
            foreach (var entry in await target.Store.ListAsync(BlockStorePaths.VolumeDirectory(volumeName), ct).ConfigureAwait(false))
            {
                if (entry.Name == BlockStorePaths.LocksDirectoryName) continue;
                if (entry.IsDirectory) await target.Store.DeleteDirectoryAsync(entry.Path, ct).ConfigureAwait(false);
                else await target.Store.DeleteFileAsync(entry.Path, ct).ConfigureAwait(false);
            }
        }
        await target.Store.DeleteDirectoryAsync(BlockStorePaths.VolumeDirectory(volumeName), ct).ConfigureAwait(false);
        foreach (var name in _backups.Where(b => b.Value.Admission.VolumeName == volumeName && b.Value.Admission.BackupTargetName == targetName).Select(b => b.Key).ToList())
            _backups.TryRemove(name, out _);
    }

    /// <summary>BackupVolume sync: one entry per backup volume in the target's store, from its volume.cfg.</summary>
    public async Task<IReadOnlyList<BackupVolumeInfo>> ListBackupVolumesAsync(string targetName, CancellationToken ct)
    {
        ThrowIfDisposed();
        var target = _targets.Get(targetName);
        var now = Now();
        var volumes = await target.Reader.ListVolumesAsync(ct).ConfigureAwait(false);
        return [.. volumes.Select(v => new BackupVolumeInfo(
            new BackupVolumeSpec { BackupTargetName = target.Name, VolumeName = v.Name },
            v.Config is { } c
                ? BackupVolumeStatusFrom(c, now)
                : new BackupVolumeStatus { Messages = new Dictionary<string, string> { ["error"] = v.Error ?? "" }, LastSyncedAt = now }))];
    }

    /// <summary>One backup volume's entry (its volume.cfg); NotFoundException when the store has no such volume.</summary>
    public async Task<BackupVolumeInfo> GetBackupVolumeAsync(string targetName, string volumeName, CancellationToken ct)
    {
        ThrowIfDisposed();
        var target = _targets.Get(targetName);
        var cfg = await target.Reader.ReadVolumeConfigAsync(volumeName, ct).ConfigureAwait(false);
        return new BackupVolumeInfo(new BackupVolumeSpec { BackupTargetName = target.Name, VolumeName = volumeName }, BackupVolumeStatusFrom(cfg, Now()));
    }

    private static BackupVolumeStatus BackupVolumeStatusFrom(VolumeConfig c, string now) => new()
    {
        Size = c.Size.ToString(CultureInfo.InvariantCulture),
        Labels = c.Labels,
        CreatedAt = c.CreatedTime,
        LastBackupName = c.LastBackupName,
        LastBackupAt = c.LastBackupAt,
        // backupstore fillVolumeInfo: BlockCount × the default block size.
        DataStored = (c.BlockCount * BackupParameters.DefaultBlockSize).ToString(CultureInfo.InvariantCulture),
        Messages = new Dictionary<string, string>(),
        BackingImageName = c.BackingImageName,
        BackingImageChecksum = c.BackingImageChecksum,
        StorageClassName = c.StorageClassName,
        LastSyncedAt = now,
    };

    /// <summary>Backup sync from the store: the completed backups of a backup volume with the status Longhorn gives them.
    /// Unfinished cfgs are not listed (Longhorn's InspectBackup refuses them).</summary>
    public async Task<IReadOnlyList<BackupStatus>> ListBackupsAsync(string targetName, string volumeName, CancellationToken ct)
    {
        ThrowIfDisposed();
        var target = _targets.Get(targetName);
        var volume = await target.Reader.ReadVolumeConfigAsync(volumeName, ct).ConfigureAwait(false);
        var entries = await target.Reader.ListBackupsAsync(volumeName, ct).ConfigureAwait(false);
        var now = Now();
        return [.. entries.Where(e => e.Config is { IsInProgress: false }).Select(e => StatusFromStore(e.Config!, volume, target, now))];
    }

    private static BackupStatus StatusFromStore(BackupConfig cfg, VolumeConfig volume, SimBackupTarget target, string now) => new()
    {
        State = BackupStates.Completed,
        Progress = 100,
        Url = BackupUrl.Encode(target.Url, volume.Name, cfg.Name),
        SnapshotName = cfg.SnapshotName,
        SnapshotCreatedAt = cfg.SnapshotCreatedAt,
        BackupCreatedAt = cfg.CreatedTime,
        Size = cfg.Size.ToString(CultureInfo.InvariantCulture),
        Labels = cfg.Labels,
        Messages = new Dictionary<string, string>(),
        VolumeName = volume.Name,
        VolumeSize = volume.Size.ToString(CultureInfo.InvariantCulture),
        VolumeCreated = volume.CreatedTime,
        VolumeBackingImageName = volume.BackingImageName,
        LastSyncedAt = now,
        CompressionMethod = cfg.EffectiveCompressionMethod,
        NewlyUploadDataSize = cfg.NewlyUploadedDataSize.ToString(CultureInfo.InvariantCulture),
        ReUploadedDataSize = cfg.ReUploadedDataSize.ToString(CultureInfo.InvariantCulture),
        BackupTargetName = target.Name,
        BlockSize = cfg.BlockSize,
    };

    private async Task RunBackupAsync(BackupHandle handle, SimVolume volume, SimBackupTarget target)
    {
        var op = handle.Operation;
        var a = handle.Admission;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(op.Token);
        timeout.CancelAfter(Options.BackupTimeout);
        var ct = timeout.Token;
        try
        {
            var session = await target.Writer.BeginBackupAsync(new BackupSessionRequest
            {
                BackupName = a.BackupName,
                VolumeName = volume.Name,
                VolumeSize = volume.Size,
                SnapshotName = a.SnapshotName,
                CompressionMethod = volume.Spec.BackupCompressionMethod,
                BlockSize = long.Parse(volume.Spec.BackupBlockSize, CultureInfo.InvariantCulture),
                Mode = a.Mode,
                Labels = a.SpecLabels,
                HasLocalSnapshot = volume.HasSnapshot,
            }, ct).ConfigureAwait(false);
            BackupConfig cfg;
            await using (session.ConfigureAwait(false))
            {
                op.Publish(s => s with { State = BackupStates.InProgress, Progress = 0, SnapshotCreatedAt = session.SnapshotCreatedAt });
                var offsets = await volume.ChangedBlocksAsync(a.SnapshotName, session.BaseSnapshotName, session.BlockSize, ct).ConfigureAwait(false);
                var buffer = new byte[session.BlockSize];
                await InjectBackupFaultsAsync(volume.Name, ct).ConfigureAwait(false);
                for (var i = 0; i < offsets.Count; i++)
                {
                    await InjectBackupFaultsAsync(volume.Name, ct).ConfigureAwait(false);
                    await volume.ReadSnapshotAsync(a.SnapshotName, offsets[i], buffer, ct).ConfigureAwait(false);
                    await session.AddBlockAsync(offsets[i], buffer, ct).ConfigureAwait(false);
                    var progress = (int)((i + 1L) * 95 / offsets.Count); // backupstore: 95 % for the blocks, 100 when the cfg is saved
                    op.Publish(s => s with { Progress = progress });
                }
                cfg = await session.CompleteAsync(ct).ConfigureAwait(false);
            }
            // Completed is published once the backup's lock is gone (as Error is): a backup that shows a final state no
            // longer blocks a deletion of the same backup volume.
            var volumeCfg = await target.Reader.ReadVolumeConfigAsync(volume.Name, ct).ConfigureAwait(false);
            volume.UpdateStatus(s => s with { LastBackup = cfg.Name, LastBackupAt = cfg.SnapshotCreatedAt });
            op.Publish(_ => StatusFromStore(cfg, volumeCfg, target, Now()));
        }
        catch (UnknownBackupState)
        {
            op.Publish(s => s with { State = BackupStates.Unknown });
        }
        catch (OperationCanceledException) when (op.Token.IsCancellationRequested)
        {
            op.Publish(s => s with { State = BackupStates.Error, Error = "backup cancelled" });
        }
        catch (OperationCanceledException)
        {
            op.Publish(s => s with { State = BackupStates.Error, Error = $"backup did not finish within {Options.BackupTimeout}" });
        }
        catch (Exception ex)
        {
            // Any failure ends the backup in Error with its reason, as Longhorn's engine reports it; nothing escapes the worker.
            op.Publish(s => s with { State = BackupStates.Error, Error = Describe(ex) });
        }
        finally
        {
            op.Close();
        }
    }

    private static readonly TimeSpan HangPoll = TimeSpan.FromMilliseconds(20);

    private async Task InjectBackupFaultsAsync(string volumeName, CancellationToken ct)
    {
        // A hang lasts while the knob is on, until cancelled, or until the backup's timeout.
        while (Faults.HangsBackupsOf(volumeName)) await Task.Delay(HangPoll, Options.Time, ct).ConfigureAwait(false);
        if (Faults.BackupErrorFor(volumeName) is { } message) throw new IOException(message);
        if (Faults.EndsBackupsUnknown(volumeName)) throw new UnknownBackupState();
    }

    /// <summary>The unknown-state fault: the engine reports a state longhorn-manager does not know.</summary>
    private sealed class UnknownBackupState : Exception;

    private static string Describe(Exception ex) =>
        ex is WildBackupException { Detail: { } detail } w ? $"{w.Message} ({detail})" : ex.Message;
}
