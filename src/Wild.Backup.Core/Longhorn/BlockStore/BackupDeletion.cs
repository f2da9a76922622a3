using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>What deleting a backup did.</summary>
/// <param name="BlocksDeleted">Unreferenced blocks removed.</param>
/// <param name="BlocksRetained">Blocks still referenced by remaining backups (volume.cfg BlockCount after a GC).</param>
/// <param name="GarbageCollectionSkipped">Why blocks were kept without checking, or null when GC ran.</param>
public sealed record BackupDeletionResult(string VolumeName, string BackupName, int BlocksDeleted, int BlocksRetained, string? GarbageCollectionSkipped);

/// <summary>backupstore DeleteDeltaBlockBackup, with the listing checks this project adds (Longhorn #9530).</summary>
internal static class BackupDeletion
{
    public static async Task<BackupDeletionResult> RunAsync(BlockStoreWriter writer, string volumeName, string backupName, CancellationToken ct)
    {
        BlockStorePaths.RequireValidName(volumeName, "volume");
        BlockStorePaths.RequireValidName(backupName, "backup");
        var reader = writer.Reader;
        var heldLock = await writer.AcquireLockAsync(volumeName, BlockStoreLockType.Deletion, ct).ConfigureAwait(false);
        await using (heldLock.ConfigureAwait(false))
        {
            // Must succeed: a backup volume that cannot be listed is not touched.
            var before = await reader.ListBackupNamesAsync(volumeName, ct).ConfigureAwait(false);
            await writer.Store.DeleteFileAsync(BlockStorePaths.BackupConfig(volumeName, backupName), ct).ConfigureAwait(false);

            var volume = (await reader.ReadVolumeConfigAsync(volumeName, ct).ConfigureAwait(false)).WithLoadDefaults();
            var updateLast = volume.LastBackupName == backupName;
            if (updateLast) volume = volume with { LastBackupName = "", LastBackupAt = "" };

            var expected = before.Where(n => n != backupName).ToHashSet(StringComparer.Ordinal);
            var scan = await ScanAsync(writer, volumeName, expected, ct).ConfigureAwait(false);

            if (updateLast)
            {
                if (scan.SkipReason is null && scan.Latest is { } latest)
                    volume = volume with { LastBackupName = latest.Name, LastBackupAt = latest.SnapshotCreatedAt };
                await writer.WriteVolumeConfigAsync(volume, ct).ConfigureAwait(false);
            }

            // Longhorn: backups created while we were reading cfgs make the reference counts stale.
            var skip = scan.SkipReason;
            if (skip is null && expected.Count == 0 && !before.Contains(backupName))
                skip = "no backups are listed for the volume and the deleted one was not among them; blocks are never deleted on an empty listing";
            if (skip is null)
            {
                var after = await reader.ListBackupNamesAsync(volumeName, ct).ConfigureAwait(false);
                if (!after.ToHashSet(StringComparer.Ordinal).SetEquals(expected)) skip = "the backups of the volume changed during the deletion";
            }
            if (skip is not null)
            {
                await writer.Store.FlushAsync(ct).ConfigureAwait(false);
                return new BackupDeletionResult(volumeName, backupName, 0, 0, skip);
            }

            var deleted = 0;
            var retained = 0;
            foreach (var checksum in scan.StoredBlocks)
            {
                if (scan.Referenced.Contains(checksum))
                {
                    retained++;
                    continue;
                }
                await writer.Store.DeleteFileAsync(BlockStorePaths.Block(volumeName, checksum), ct).ConfigureAwait(false);
                deleted++;
            }
            var current = (await reader.ReadVolumeConfigAsync(volumeName, ct).ConfigureAwait(false)).WithLoadDefaults();
            await writer.WriteVolumeConfigAsync(current with { BlockCount = retained }, ct).ConfigureAwait(false);
            await writer.Store.FlushAsync(ct).ConfigureAwait(false);
            return new BackupDeletionResult(volumeName, backupName, deleted, retained, null);
        }
    }

    private sealed record Scan(
        IReadOnlyList<string> StoredBlocks,
        HashSet<string> Referenced,
        BackupConfig? Latest,
        string? SkipReason);

    private static async Task<Scan> ScanAsync(BlockStoreWriter writer, string volumeName, HashSet<string> expected, CancellationToken ct)
    {
        var reader = writer.Reader;
        var names = await reader.ListBackupNamesAsync(volumeName, ct).ConfigureAwait(false);
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var stored = await ListStoredBlocksAsync(writer.Store, volumeName, ct).ConfigureAwait(false);
        if (!names.ToHashSet(StringComparer.Ordinal).SetEquals(expected))
            return new Scan(stored, referenced, null, "the backup listing does not match the one taken before the deletion");
        BackupConfig? latest = null;
        foreach (var name in names)
        {
            BackupConfig cfg;
            try
            {
                cfg = await reader.ReadBackupConfigAsync(volumeName, name, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NotFoundException or CorruptBackupException)
            {
                return new Scan(stored, referenced, null, $"backup '{name}' could not be read ({ex.Message})");
            }
            if (cfg.IsInProgress) return new Scan(stored, referenced, null, $"backup '{name}' is unfinished");
            foreach (var b in cfg.Blocks) referenced.Add(b.BlockChecksum);
            if (!TryLater(cfg, latest, out var isLater)) return new Scan(stored, referenced, null, $"backup '{name}' has an unreadable SnapshotCreatedAt");
            if (isLater) latest = cfg;
        }
        return new Scan(stored, referenced, latest, null);
    }

    // getLatestBackup: by SnapshotCreatedAt (RFC 3339).
    private static bool TryLater(BackupConfig candidate, BackupConfig? current, out bool isLater)
    {
        isLater = false;
        if (!DateTimeOffset.TryParse(candidate.SnapshotCreatedAt, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var t)) return false;
        if (current is null)
        {
            isLater = true;
            return true;
        }
        if (!DateTimeOffset.TryParse(current.SnapshotCreatedAt, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var c)) return false;
        isLater = t > c;
        return true;
    }

    /// <summary>Checksums of the <c>.blk</c> files under blocks/xx/yy/. A missing blocks directory means none; any other
    /// listing failure propagates (nothing is deleted on a failed listing).</summary>
    internal static async Task<IReadOnlyList<string>> ListStoredBlocksAsync(IBackupStore store, string volumeName, CancellationToken ct)
    {
        var result = new List<string>();
        var level1 = await BlockStoreFiles.ListIfExistsAsync(store, BlockStorePaths.BlocksDirectory(volumeName), ct).ConfigureAwait(false);
        if (level1 is null) return result;
        foreach (var l1 in level1.Where(e => e.IsDirectory))
        {
            foreach (var l2 in (await store.ListAsync(l1.Path, ct).ConfigureAwait(false)).Where(e => e.IsDirectory))
            {
                foreach (var f in await store.ListAsync(l2.Path, ct).ConfigureAwait(false))
                {
                    var name = f.IsDirectory ? null : BlockStorePaths.ExtractName(f.Name, "", BlockStorePaths.BlockSuffix);
                    // Only files where Longhorn would put them: anything else is not ours to delete.
                    if (name is not null && BlockChecksum.IsValid(name) && name[..2] == l1.Name && name[2..4] == l2.Name) result.Add(name);
                }
            }
        }
        return result;
    }
}
