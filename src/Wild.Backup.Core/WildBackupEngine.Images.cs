using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Images;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core;

/// <summary>What <see cref="WildBackupEngine.ExportVolumeAsync"/> is asked to do.</summary>
public sealed record VolumeExportRequest
{
    public required string App { get; init; }
    /// <summary>One claim; null: every volume of the backup.</summary>
    public string? Claim { get; init; }
    /// <summary>A file to write (absolute path or <c>nfs://</c> URL); null: into the app's backup as <c>volumes/{pvc}.qcow2</c>.</summary>
    public string? Path { get; init; }
    public ImageFormat Format { get; init; } = ImageFormat.Qcow2;
    /// <summary>Export from another instance's backup (migration).</summary>
    public string? FromInstance { get; init; }
    /// <summary>Where Longhorn's backup store is readable from here, when not at the URL its backups record.</summary>
    public string? BackupTarget { get; init; }
    /// <summary>Replace an existing file at <see cref="Path"/> (an image inside the backup is always replaced).</summary>
    public bool Replace { get; init; }
}

/// <summary>One volume image written by <see cref="WildBackupEngine.ExportVolumeAsync"/>.</summary>
public sealed record VolumeImageInfo
{
    public required string App { get; init; }
    public required string Claim { get; init; }
    public required string VolumeName { get; init; }
    public required string LonghornBackup { get; init; }
    public required ImageFormat Format { get; init; }
    /// <summary>Where the image is: a path or URL without credentials.</summary>
    public required string Location { get; init; }
    /// <summary>True when the image was written into the app's backup and recorded in its backup.json.</summary>
    public bool InBackup { get; init; }
    public required long Size { get; init; }
    public required string Sha256 { get; init; }
    /// <summary>The disk's size in bytes.</summary>
    public required long VirtualSize { get; init; }
    public int Blocks { get; init; }
    public int ZeroBlocks { get; init; }
}

public sealed partial class WildBackupEngine
{
    /// <summary>
    /// Writes disk images of an app's volumes from its latest backup, straight from Longhorn's block store (no Longhorn,
    /// no cluster): into the backup as <c>volumes/{pvc}.qcow2</c> (recorded in backup.json with size and SHA-256, under
    /// the app's lock), or to <see cref="VolumeExportRequest.Path"/>. Each image is staged, verified and renamed into place;
    /// failure or cancellation leaves nothing half-written.
    /// </summary>
    public Task<IReadOnlyList<VolumeImageInfo>> ExportVolumeAsync(InstanceSelector selector, VolumeExportRequest request, IOperationObserver observer, CancellationToken ct) =>
        Guarded(ct, t => ExportVolumeCoreAsync(selector, request, observer, t));

    private async Task<IReadOnlyList<VolumeImageInfo>> ExportVolumeCoreAsync(InstanceSelector selector, VolumeExportRequest request, IOperationObserver observer, CancellationToken ct)
    {
        var app = WildName.Validate(request.App, "app");
        await using var scope = await OpenScopeAsync(selector, ct).ConfigureAwait(false);
        var source = SourceInstance(scope, request.FromInstance);
        var address = BackupLayout.App(source, app);
        var progress = new ProgressReporter(observer, "apps/" + app, $"Exporting volume images of app {app}");
        progress.Milestone(Milestones.ExportImage.ReadingBackup, scope.LocationOf(address.LivePath));
        var into = request.Path is null;
        await using var held = into ? await LockForRestoreAsync(scope, address, "export_volume", $"app '{app}'", ct).ConfigureAwait(false) : null;
        var dir = await new BackupSlot(scope.Store, address).ResolveAsync(ct).ConfigureAwait(false)
            ?? throw new NotFoundException("BackupNotFound", $"No backup of app '{app}' in instance '{source}' at {scope.Destination}.") { Target = app };
        var record = await BackupVerifier.ReadRecordAsync(scope.Store, dir, ct).ConfigureAwait(false);
        var volumes = record.Volumes.Where(v => request.Claim is null || v.Pvc == request.Claim).ToList();
        if (volumes.Count == 0)
        {
            throw request.Claim is null
                ? new NotFoundException("NoVolumes", $"The backup of app '{app}' has no volumes to export.") { Target = app }
                : new NotFoundException("ClaimNotFound",
                    $"The backup of app '{app}' has no volume for claim '{request.Claim}' (it has: {(record.Volumes.Count == 0 ? "none" : string.Join(", ", record.Volumes.Select(v => v.Pvc)))}).") { Target = request.Claim };
        }
        if (!into && volumes.Count > 1)
            throw new InvalidInputException("ClaimRequired", $"The backup of app '{app}' has {volumes.Count} volumes; give -Claim with -Path (one of: {string.Join(", ", volumes.Select(v => v.Pvc))}).");

        var sourceStores = new LonghornImageSource(OpenWatchedStore);
        var target = request.BackupTarget ?? ImageSettings.LonghornTarget(scope.Instance);
        var results = new List<VolumeImageInfo>();
        var imageStore = into ? scope.Store : null;
        try
        {
            string imageDir, imageName = "";
            if (into)
            {
                imageDir = StorePath.Combine(dir, BackupLayout.AppFiles.VolumesDir);
                await scope.Store.CreateDirectoryAsync(imageDir, ct).ConfigureAwait(false);
            }
            else
            {
                (var parent, imageName) = SplitFileLocation(request.Path!);
                imageStore = OpenWatchedStore(parent);
                imageDir = "";
            }
            var range = Milestones.ExportImage.WritingImage;
            foreach (var volume in volumes)
            {
                progress.Milestone(Milestones.ExportImage.ConnectingToStore, volume.Pvc);
                var (reader, map, store) = await sourceStores.OpenAsync(volume, target, ct).ConfigureAwait(false);
                await using (store.ConfigureAwait(false))
                {
                    var name = into ? volume.Pvc + ImageFormats.Extension(request.Format) : imageName;
                    var path = StorePath.Combine(imageDir, name);
                    long done = 0;
                    progress.Bytes(range, 0, map.DataSize, $"{volume.Pvc}: {map.Blocks.Count} blocks of {map.BlockSize / (1024 * 1024)} MiB");
                    var published = await ImageFile.WriteAsync(imageStore!, path, LonghornImageExport.FileLength(map, request.Format), replace: into || request.Replace,
                        (s, t) => LonghornImageExport.WriteAsync(reader, map, request.Format, s, n =>
                        {
                            done += n;
                            progress.Bytes(range, done, map.DataSize, volume.Pvc);
                        }, t), ct).ConfigureAwait(false);
                    results.Add(new VolumeImageInfo
                    {
                        App = app,
                        Claim = volume.Pvc,
                        VolumeName = volume.VolumeName,
                        LonghornBackup = volume.LonghornBackup,
                        Format = request.Format,
                        Location = into ? scope.LocationOf(path) : StoreFactory.Redact(request.Path!),
                        InBackup = into,
                        Size = published.Size,
                        Sha256 = published.Sha256,
                        VirtualSize = map.VolumeSize,
                        Blocks = published.Export.Blocks,
                        ZeroBlocks = published.Export.ZeroBlocks,
                    });
                }
            }
            if (into)
            {
                progress.Milestone(Milestones.ExportImage.Verifying, "recording the images in backup.json");
                await RecordImagesAsync(scope.Store, dir, record, results, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!into && imageStore is not null) await imageStore.DisposeAsync().ConfigureAwait(false);
        }
        progress.Milestone(Milestones.ExportImage.Complete, $"{results.Count} images");
        return results;
    }

    /// <summary>Adds (or replaces) the images in the backup's record: backup.json.tmp written, then renamed over backup.json.</summary>
    private static async Task RecordImagesAsync(IBackupStore store, string dir, BackupRecord record, IReadOnlyList<VolumeImageInfo> images, CancellationToken ct)
    {
        var files = record.Files.ToList();
        var volumes = record.Volumes.ToList();
        foreach (var image in images)
        {
            var name = StorePath.Combine(BackupLayout.AppFiles.VolumesDir, image.Claim + ImageFormats.Extension(image.Format));
            files.RemoveAll(f => f.Name == name);
            files.Add(new BackupFileRecord(name, image.Size, image.Sha256));
            var i = volumes.FindIndex(v => v.Pvc == image.Claim);
            volumes[i] = volumes[i] with
            {
                Image = new BackupImageRecord
                {
                    File = name,
                    Format = image.Format == ImageFormat.Qcow2 ? "qcow2" : "raw",
                    VirtualSize = image.VirtualSize,
                    LonghornBackup = image.LonghornBackup,
                    ExportedAt = DateTimeOffset.UtcNow,
                },
            };
        }
        var directories = record.Directories.Contains(BackupLayout.AppFiles.VolumesDir) ? record.Directories : [.. record.Directories, BackupLayout.AppFiles.VolumesDir];
        var updated = record with { Files = files, Volumes = volumes, Directories = directories };
        var tmp = StorePath.Combine(dir, BackupLayout.RecordFile + ".tmp");
        try
        {
            await using (var s = await store.CreateFileAsync(tmp, CreateOptions.Default, ct).ConfigureAwait(false))
            {
                await s.WriteAsync(updated.ToJsonBytes(), ct).ConfigureAwait(false);
            }
            await store.FlushAsync(ct).ConfigureAwait(false);
            await store.RenameAsync(tmp, StorePath.Combine(dir, BackupLayout.RecordFile), overwrite: true, ct).ConfigureAwait(false);
            await store.FlushAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await store.DeleteFileQuietlyAsync(tmp).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A file location (absolute path or <c>nfs://</c> URL) as its directory (a destination) and file name.</summary>
    private static (string Directory, string Name) SplitFileLocation(string location)
    {
        var q = location.IndexOf('?', StringComparison.Ordinal);
        var path = q < 0 ? location : location[..q];
        var query = q < 0 ? "" : location[q..];
        var slash = path.LastIndexOf('/');
        var name = slash < 0 ? "" : path[(slash + 1)..];
        if (name.Length == 0 || name is "." or "..")
            throw new InvalidInputException("InvalidImagePath", $"'{StoreFactory.Redact(location)}' names no file. Give the image's file, e.g. /srv/images/gitea-data.qcow2.");
        var parent = path[..slash];
        if (parent.Length == 0) parent = "/";
        if (parent.EndsWith(":", StringComparison.Ordinal) || parent.EndsWith("//", StringComparison.Ordinal))
            throw new InvalidInputException("InvalidImagePath", $"'{StoreFactory.Redact(location)}' names no directory for the image.");
        return (parent + query, name);
    }
}
