using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Images;

/// <summary>
/// Opens the Longhorn block store a volume record's backup lives in — where its URL says (Longhorn's target, e.g.
/// <c>nfs://nas:/backups</c>, read by the product's NFS client) or where the user says it is readable from here (a
/// copy, a mount, another URL) — and writes the image of that backup. A store that cannot be read is an error naming
/// the URL tried and how to give another. <paramref name="open"/> opens a destination string as a store, with the
/// caller's wrappers (the engine's: per-call deadlines watched by the running operation).
/// </summary>
public sealed class LonghornImageSource(Func<string, IBackupStore> open)
{
    /// <summary>Writes the image of <paramref name="volume"/>'s Longhorn backup to <paramref name="output"/>.</summary>
    public async Task<ImageExportResult> WriteAsync(BackupVolumeRecord volume, string? backupTarget, ImageFormat format, Stream output,
        Action<long>? progress, CancellationToken ct)
    {
        var (reader, map, store) = await OpenAsync(volume, backupTarget, ct).ConfigureAwait(false);
        await using (store.ConfigureAwait(false))
        {
            return await LonghornImageExport.WriteAsync(reader, map, format, output, progress, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The reader and block map of the volume's backup; the caller disposes the store.</summary>
    public async Task<(BlockStoreReader Reader, BlockMap Map, IBackupStore Store)> OpenAsync(BackupVolumeRecord volume, string? backupTarget, CancellationToken ct)
    {
        var url = BackupUrl.Decode(volume.BackupUrl);
        if (url.BackupName is null) throw new InvalidInputException("InvalidBackupUrl", $"The backup URL of claim '{volume.Pvc}' names no backup.");
        var where = string.IsNullOrWhiteSpace(backupTarget) ? BackupTargetLocation.ToDestination(url.TargetUrl) : backupTarget;
        var shown = StoreFactory.Redact(where);
        var store = open(where);
        try
        {
            try
            {
                await store.ProbeAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StorageUnreachableException or NotFoundException or InvalidInputException)
            {
                throw Unreadable(shown, volume, ex);
            }
            var reader = new BlockStoreReader(store);
            BlockMap map;
            try
            {
                map = await reader.ReadBlockMapAsync(url.VolumeName, url.BackupName, ct).ConfigureAwait(false);
            }
            catch (NotFoundException ex)
            {
                throw new NotFoundException("LonghornBackupNotFound",
                    $"Longhorn backup '{url.BackupName}' of volume '{url.VolumeName}' (claim '{volume.Pvc}') is not in the backup store at {shown}. " +
                    "If the store is elsewhere, give -BackupTarget (or cloud.backup.longhornTarget in config.yaml).", ex.Message, ex) { Target = shown };
            }
            catch (StorageUnreachableException ex)
            {
                throw Unreadable(shown, volume, ex);
            }
            return (reader, map, store);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True for failures of the Longhorn side (its store unreadable, the backup missing or damaged), as opposed
    /// to the destination's (no space, unreachable) or a cancellation.</summary>
    public static bool IsSourceProblem(WildBackupException ex) =>
        ex.ErrorId == "LonghornTargetUnreadable" || ex is CorruptBackupException || (ex is NotFoundException && ex.ErrorId.StartsWith("Longhorn", StringComparison.Ordinal))
        || (ex is InvalidInputException && ex.ErrorId is "UnsupportedBackupTarget" or "InvalidBackupTarget" or "InvalidBackupUrl");

    private static WildBackupException Unreadable(string shown, BackupVolumeRecord volume, Exception ex) =>
        new(WildErrorKind.Unreachable, "LonghornTargetUnreadable",
            $"Cannot read Longhorn's backup store at {shown} (claim '{volume.Pvc}'). Give -BackupTarget (or cloud.backup.longhornTarget in config.yaml) " +
            "with a directory or nfs:// URL where the store is readable from here.",
            (ex as WildBackupException)?.Detail ?? ex.Message, ex)
        { Target = shown };
}
