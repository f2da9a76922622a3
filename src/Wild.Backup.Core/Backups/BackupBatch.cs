using System.Diagnostics;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// Writes one or more backups so that no previous backup is ever lost, flushing once per phase for the whole batch
/// instead of once per backup:
/// <list type="number">
/// <item>Stage, per backup: its files into <c>.{name}.staging-{id}/</c> beside its slot, hashed while written (50–90 %),
/// and its record as <c>backup.json.tmp</c>.</item>
/// <item>Flush. Per backup: re-read every file and compare with the hash (95 %); seal (<c>backup.json.tmp</c> →
/// <c>backup.json</c>); publish — live → <c>.old</c>, staging → live (<see cref="BackupSlot.PublishAsync"/>).</item>
/// <item>Flush. Per backup: remove the previous one (100 %). Flush.</item>
/// </list>
/// Sealing and publishing are renames only, and a rename never becomes durable before the data it names when that
/// data was flushed first; the renames of one backup reach the disk in the order they were made (journaled local file
/// systems commit metadata in order; an NFS server commits each before it replies). A backup failing in any phase is
/// discarded (staging removed) while the others go on; a failure of storage itself (flush) fails the batch. Nothing
/// unpublished survives <see cref="DisposeAsync"/>. Killed at any point, each slot keeps its previous or its new
/// backup complete (see <see cref="BackupSlot"/>).
/// </summary>
internal sealed class BackupBatch(IBackupStore store) : IAsyncDisposable
{
    private static readonly UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly List<Staged> _staged = [];

    /// <summary>One staged backup and, after <see cref="CommitAsync"/>, its record or its error.</summary>
    public sealed class Staged
    {
        internal Staged(BackupSlot slot, BackupContents contents, ProgressReporter progress, string staging, Stopwatch clock)
        {
            Slot = slot;
            Contents = contents;
            Progress = progress;
            StagingPath = staging;
            Clock = clock;
        }

        public BackupSlot Slot { get; }
        public BackupContents Contents { get; }
        public ProgressReporter Progress { get; }
        public string StagingPath { get; }
        internal Stopwatch Clock { get; }
        public List<BackupFileRecord> Files { get; } = [];
        public List<BackupVolumeRecord> Volumes { get; } = [];
        /// <summary>The record, once the backup is sealed.</summary>
        public BackupRecord? Record { get; internal set; }
        internal BackupRecord? PendingRecord { get; set; }
        public Exception? Error { get; internal set; }
        internal bool Published { get; set; }
    }

    /// <summary>Writes one backup's files into a fresh staging directory. On failure the staging directory is removed
    /// and the error thrown; the batch goes on without it. Safe to call concurrently for different slots.</summary>
    public async Task<Staged> StageAsync(BackupSlot slot, BackupContents contents, ProgressReporter progress, Func<Staged, BackupRecord> makeRecord, CancellationToken ct)
    {
        var item = new Staged(slot, contents, progress, slot.NewStagingPath(), Stopwatch.StartNew());
        try
        {
            await store.CreateDirectoryAsync(item.StagingPath, ct).ConfigureAwait(false);
            foreach (var d in contents.Directories) await store.CreateDirectoryAsync(StorePath.Combine(item.StagingPath, d), ct).ConfigureAwait(false);
            var total = Math.Max(1, contents.ExportBytes);
            long done = 0;
            var export = Milestones.Backup.ExportingData;
            foreach (var volume in contents.Volumes)
            {
                progress.Bytes(export, done, total, volume.Name);
                var start = done;
                void Advanced(long n)
                {
                    done += n;
                    progress.Bytes(export, Math.Min(done, total), total, volume.Name);
                }
                var made = await volume.RunAsync(Advanced, ct).ConfigureAwait(false);
                if (volume.WriteImageAsync is { } writeImage && !made.CarriedOver)
                {
                    var name = StorePath.Combine(BackupLayout.AppFiles.VolumesDir, made.Pvc + ".qcow2");
                    var path = StorePath.Combine(item.StagingPath, name);
                    BackupImageRecord? image;
                    var target = await store.CreateFileAsync(path, CreateOptions.ExclusiveNew, ct).ConfigureAwait(false);
                    await using (target)
                    {
                        using var hashing = new HashingStream(target);
                        image = await writeImage(made, hashing, Advanced, ct).ConfigureAwait(false);
                        await hashing.FlushAsync(ct).ConfigureAwait(false);
                        if (image is not null)
                        {
                            item.Files.Add(new BackupFileRecord(name, hashing.BytesWritten, hashing.HashHex()));
                            made = made with { Image = image with { File = name } };
                        }
                    }
                    if (image is null) await store.DeleteFileAsync(path, ct).ConfigureAwait(false);
                }
                item.Volumes.Add(made);
                done = start + volume.EstimatedBytes;
            }
            foreach (var artifact in contents.Artifacts)
            {
                progress.Bytes(export, done, total, artifact.Name);
                var options = artifact.Secret ? new CreateOptions { Exclusive = true, Mode = SecretMode } : CreateOptions.ExclusiveNew;
                var target = await store.CreateFileAsync(StorePath.Combine(item.StagingPath, artifact.Name), options, ct).ConfigureAwait(false);
                await using (target)
                {
                    using var hashing = new HashingStream(target);
                    await artifact.WriteAsync(hashing, n =>
                    {
                        done += n;
                        progress.Bytes(export, Math.Min(done, total), total, artifact.Name);
                    }, ct).ConfigureAwait(false);
                    await hashing.FlushAsync(ct).ConfigureAwait(false);
                    item.Files.Add(new BackupFileRecord(artifact.Name, hashing.BytesWritten, hashing.HashHex()));
                }
            }
            progress.Bytes(export, total, total);
            // The record goes down with the files (one flush for both); it seals the backup only once renamed to
            // backup.json after verification.
            var record = makeRecord(item);
            await using (var s = await store.CreateFileAsync(RecordTemp(item), CreateOptions.ExclusiveNew, ct).ConfigureAwait(false))
            {
                await s.WriteAsync(record.ToJsonBytes(), ct).ConfigureAwait(false);
            }
            item.PendingRecord = record;
            lock (_staged) _staged.Add(item);
            return item;
        }
        catch (Exception ex)
        {
            await DiscardAsync(item.StagingPath).ConfigureAwait(false);
            if (ex is NoSpaceException ns && ns.NeededBytes < contents.EstimatedBytes) throw new NoSpaceException(contents.EstimatedBytes, ns.Detail, ns);
            throw;
        }
    }

    /// <summary>Verifies, seals and publishes everything staged. Per-backup failures are recorded on the item; a storage
    /// failure during a flush is thrown (every unpublished item then fails with it).</summary>
    public async Task CommitAsync(CancellationToken ct)
    {
        var live = _staged.ToList();
        await store.FlushAsync(ct).ConfigureAwait(false);

        var olds = new System.Collections.Concurrent.ConcurrentBag<(Staged Item, string Old)>();
        await Concurrently.ForEachAsync(live, item => Guard(item, async () =>
        {
            item.Progress.Milestone(Milestones.Backup.Verifying, $"{item.Files.Count} files");
            var problems = await BackupVerifier.VerifyFilesAsync(store, item.StagingPath, item.Files, null, ct).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                throw new CorruptBackupException("VerificationFailed",
                    $"The new backup did not read back as written ({string.Join("; ", problems)}). The previous backup was kept.")
                { Target = problems[0].File };
            }
            await store.RenameAsync(RecordTemp(item), StorePath.Combine(item.StagingPath, BackupLayout.RecordFile), overwrite: false, ct).ConfigureAwait(false);
            item.Record = item.PendingRecord;

            item.Progress.Verbose("Publishing the new backup");
            // From the first rename on, a complete backup exists whatever happens: the staging dir is never discarded.
            item.Published = true;
            if (await item.Slot.PublishAsync(item.StagingPath, ct).ConfigureAwait(false) is { } old) olds.Add((item, old));
        }), ct).ConfigureAwait(false);
        await store.FlushAsync(ct).ConfigureAwait(false);

        await Concurrently.ForEachAsync(olds, async o =>
        {
            o.Item.Progress.Verbose("Removing the previous backup");
            await store.DeleteDirectoryAsync(o.Old, ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        await store.FlushAsync(ct).ConfigureAwait(false);
    }

    private static string RecordTemp(Staged item) => StorePath.Combine(item.StagingPath, BackupLayout.RecordFile + ".tmp");

    private async Task Guard(Staged item, Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WildBackupException { Kind: not (WildErrorKind.Unreachable or WildErrorKind.NoSpace) } or IOException)
        {
            // This backup is broken; storage as a whole is not. Keep the previous backup, go on with the others.
            item.Error = ex;
            if (!item.Published) await DiscardAsync(item.StagingPath).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the staging directory of everything not published (failure, cancellation).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var item in _staged.Where(i => !i.Published)) await DiscardAsync(item.StagingPath).ConfigureAwait(false);
    }

    /// <summary>Best effort with its own deadline; a leftover is removed by the slot's next repair.</summary>
    private async Task DiscardAsync(string staging)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await store.DeleteDirectoryAsync(staging, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or WildBackupException or OperationCanceledException)
        {
        }
    }
}
