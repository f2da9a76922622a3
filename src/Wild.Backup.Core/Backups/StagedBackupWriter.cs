using System.Diagnostics;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// Writes one backup so the previous one is never lost: everything goes into a staging directory beside the slot,
/// is flushed to stable storage, re-read and checked against the SHA-256 computed while writing, sealed by writing
/// <c>backup.json</c> (temp + rename), flushed again, and only then swapped in (<see cref="BackupSlot.PublishAsync"/>).
/// Any failure or cancellation before the swap removes the staging directory and leaves the previous backup as it was.
/// </summary>
internal static class StagedBackupWriter
{
    private static readonly UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static async Task<BackupRecord> WriteAsync(
        IBackupStore store,
        BackupSlot slot,
        BackupContents contents,
        Func<IReadOnlyList<BackupFileRecord>, TimeSpan, BackupRecord> makeRecord,
        ProgressReporter progress,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var staging = slot.NewStagingPath();
        var published = false;
        try
        {
            await store.CreateDirectoryAsync(staging, ct).ConfigureAwait(false);
            foreach (var d in contents.Directories) await store.CreateDirectoryAsync(StorePath.Combine(staging, d), ct).ConfigureAwait(false);

            // 50–90 %: export, by source bytes.
            var files = new List<BackupFileRecord>();
            var total = Math.Max(1, contents.EstimatedBytes);
            long done = 0;
            var export = Milestones.Backup.ExportingData;
            foreach (var artifact in contents.Artifacts)
            {
                progress.Bytes(export, done, total, artifact.Name);
                var options = artifact.Secret ? new CreateOptions { Exclusive = true, Mode = SecretMode } : CreateOptions.ExclusiveNew;
                var target = await store.CreateFileAsync(StorePath.Combine(staging, artifact.Name), options, ct).ConfigureAwait(false);
                HashingStream hashing;
                await using (target)
                {
                    hashing = new HashingStream(target);
                    await artifact.WriteAsync(hashing, n =>
                    {
                        done += n;
                        progress.Bytes(export, Math.Min(done, total), total, artifact.Name);
                    }, ct).ConfigureAwait(false);
                    await hashing.FlushAsync(ct).ConfigureAwait(false);
                }
                files.Add(new BackupFileRecord(artifact.Name, hashing.BytesWritten, hashing.HashHex()));
                hashing.Dispose();
            }
            progress.Bytes(export, total, total);
            await store.FlushAsync(ct).ConfigureAwait(false);

            // 95 %: read everything back from storage and compare.
            progress.Milestone(Milestones.Backup.Verifying, $"{files.Count} files");
            var problems = await BackupVerifier.VerifyFilesAsync(store, staging, files, null, ct).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                throw new CorruptBackupException("VerificationFailed",
                    $"The new backup did not read back as written ({string.Join("; ", problems)}). The previous backup was kept.")
                { Target = problems[0].File };
            }

            // Seal: backup.json appears whole or not at all.
            var record = makeRecord(files, clock.Elapsed);
            var recordTemp = StorePath.Combine(staging, BackupLayout.RecordFile + ".tmp");
            await using (var s = await store.CreateFileAsync(recordTemp, CreateOptions.ExclusiveNew, ct).ConfigureAwait(false))
            {
                await s.WriteAsync(record.ToJsonBytes(), ct).ConfigureAwait(false);
            }
            await store.RenameAsync(recordTemp, StorePath.Combine(staging, BackupLayout.RecordFile), overwrite: false, ct).ConfigureAwait(false);
            await store.FlushAsync(ct).ConfigureAwait(false);

            // Swap in, drop the previous one (the caller reports 100 % when this returns).
            progress.Verbose("Publishing the new backup and removing the previous one");
            published = true; // from here on a complete backup exists whatever happens; never delete the staging dir
            await slot.PublishAsync(staging, ct).ConfigureAwait(false);
            return record;
        }
        catch (NoSpaceException ex) when (ex.NeededBytes < contents.EstimatedBytes)
        {
            throw new NoSpaceException(contents.EstimatedBytes, ex.Detail, ex);
        }
        finally
        {
            if (!published) await DiscardAsync(store, staging).ConfigureAwait(false);
        }
    }

    /// <summary>Removes a staging directory on failure or cancellation; a leftover is removed by the next run's repair.</summary>
    private static async Task DiscardAsync(IBackupStore store, string staging)
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
