using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Images;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Tests.Restores;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Images;

/// <summary>
/// Images of app volumes through the engine, on the simulated cluster with Longhorn: <c>Backup-WildApp -ExportImages</c>
/// and <c>Export-WildVolume</c>, recorded in backup.json and checked by <c>Test-WildBackup</c>. Longhorn's target URL
/// (nfs://127.0.0.1:/export) is not served here, so the store is read from its directory, as a user with a copy or a
/// mount would give it.
/// </summary>
public sealed class VolumeImageEngineTests(BlueGreenFixture f) : IClassFixture<BlueGreenFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;
    private ClusterWorld W => f.World;
    private WildBackupEngine Engine => f.Engine;

    private async Task<string> DeployWithDataAsync(string app, string ns, string claim, CancellationToken ct)
    {
        await W.DeployAsync(app, ct);
        var volume = await W.VolumeOfAsync(ns, claim, ct);
        await W.Longhorn.Writer(ns, claim).WriteRandomAsync(0, 3_000_000, 7, ct);
        await W.Longhorn.WriteAsync(ns, claim, 40L << 20, new byte[] { 1, 2, 3 }, ct);
        return volume;
    }

    private void SetLonghornTarget(string? value)
    {
        var config = Path.Combine(W.InstancePath, "config.yaml");
        var text = File.ReadAllLines(config).Where(l => !l.Contains("longhornTarget") && !l.Contains("exportImages")).ToList();
        var at = text.FindIndex(l => l.TrimEnd() == "cloud:");
        Assert.True(at >= 0, "config.yaml has a cloud: section");
        if (value is not null) text.Insert(at + 1, $"  backup:\n    longhornTarget: {value}");
        File.WriteAllLines(config, text);
    }

    [Fact]
    public async Task Backup_with_ExportImages_writes_a_qcow2_per_volume_recorded_and_checked_by_Test_WildBackup()
    {
        var ct = Timeout;
        var volume = await DeployWithDataAsync("gitea", "gitea", "gitea-data", ct);
        SetLonghornTarget(W.Longhorn.TargetDirectory);
        try
        {
            var events = new RecordingObserver();
            var info = await Engine.BackupAppAsync(W.Selector, "gitea", events, ct, exportImages: true);
            var v = Assert.Single(info.Volumes);
            Assert.NotNull(v.Image);
            Assert.Equal("volumes/gitea-data.qcow2", v.Image!.File);
            Assert.Equal(v.SizeBytes, v.Image.VirtualSize);
            var file = Assert.Single(info.Files, x => x.Name == "volumes/gitea-data.qcow2");
            var image = Path.Combine(W.World.BackupDir("apps/gitea"), "volumes", "gitea-data.qcow2");
            Assert.Equal(file.Size, new FileInfo(image).Length);
            await QemuImg.AssertQcow2EqualsAsync(image, W.Longhorn.GetVolumeDataPath(volume), v.SizeBytes);
            Assert.Contains(events.Events, e => e.Milestone == Milestones.Backup.ExportingData.Name);

            var test = Assert.Single(await Engine.TestBackupsAsync(W.Selector, ["gitea"], false, null, NullObserver.Instance, ct));
            Assert.True(test.Passed, string.Join("; ", test.Problems));
            Assert.Contains(test.FilesChecked, new[] { info.Files.Count });

            // A damaged image is found by Test-WildBackup, naming the file.
            var bytes = await File.ReadAllBytesAsync(image);
            bytes[^1] ^= 0xff;
            await File.WriteAllBytesAsync(image, bytes);
            var damaged = Assert.Single(await Engine.TestBackupsAsync(W.Selector, ["gitea"], false, null, NullObserver.Instance, ct));
            Assert.False(damaged.Passed);
            Assert.Equal("volumes/gitea-data.qcow2", Assert.Single(damaged.Problems).File);

            // Without -ExportImages (and no setting) the next backup has no image.
            var plain = await Engine.BackupAppAsync(W.Selector, "gitea", NullObserver.Instance, ct);
            Assert.Null(Assert.Single(plain.Volumes).Image);
            Assert.DoesNotContain(plain.Files, x => x.Name.StartsWith("volumes/", StringComparison.Ordinal));
            Assert.False(File.Exists(image));
        }
        finally
        {
            SetLonghornTarget(null);
        }
    }

    [Fact]
    public async Task Export_WildVolume_writes_into_the_latest_backup_or_to_a_file_and_replaces_on_a_second_run()
    {
        var ct = Timeout;
        var volume = await DeployWithDataAsync("immich", "immich", "immich-data", ct);
        var backup = await Engine.BackupAppAsync(W.Selector, "immich", NullObserver.Instance, ct);
        var recorded = Assert.Single(backup.Volumes);
        var raw = W.Longhorn.GetVolumeDataPath(volume);

        var events = new RecordingObserver();
        var request = new VolumeExportRequest { App = "immich", BackupTarget = W.Longhorn.TargetDirectory };
        var image = Assert.Single(await Engine.ExportVolumeAsync(W.Selector, request, events, ct));
        Assert.True(image.InBackup);
        Assert.Equal("immich-data", image.Claim);
        Assert.Equal(recorded.LonghornBackup, image.LonghornBackup);
        var path = Path.Combine(W.World.BackupDir("apps/immich"), "volumes", "immich-data.qcow2");
        await QemuImg.AssertQcow2EqualsAsync(path, raw, recorded.SizeBytes);
        Assert.Contains(events.Events, e => e.Milestone == Milestones.ExportImage.WritingImage.Name && e.BytesDone > 0);
        var after = await Engine.GetAppBackupAsync(W.Selector, "immich", null, ct);
        Assert.Equal(image.Sha256, Assert.Single(after!.Files, x => x.Name == "volumes/immich-data.qcow2").Sha256);
        Assert.Equal("qcow2", Assert.Single(after.Volumes).Image!.Format);
        Assert.True(Assert.Single(await Engine.TestBackupsAsync(W.Selector, ["immich"], false, null, NullObserver.Instance, ct)).Passed);

        // Again: replaced in place, recorded once.
        await Engine.ExportVolumeAsync(W.Selector, request, NullObserver.Instance, ct);
        after = await Engine.GetAppBackupAsync(W.Selector, "immich", null, ct);
        Assert.Single(after!.Files, x => x.Name == "volumes/immich-data.qcow2");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, ".*"));

        // To a file, raw; an existing file is refused unless replaced.
        var file = Path.Combine(W.World.Root, "exported", "immich-data.raw");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var toFile = request with { Claim = "immich-data", Path = file, Format = ImageFormat.Raw };
        var written = Assert.Single(await Engine.ExportVolumeAsync(W.Selector, toFile, NullObserver.Instance, ct));
        Assert.False(written.InBackup);
        Assert.Equal(recorded.SizeBytes, new FileInfo(file).Length);
        await QemuImg.CompareAsync(file, "raw", raw);
        var exists = await Assert.ThrowsAsync<ConflictException>(() => Engine.ExportVolumeAsync(W.Selector, toFile, NullObserver.Instance, ct));
        Assert.Contains("already exists", exists.Message);
        await Engine.ExportVolumeAsync(W.Selector, toFile with { Replace = true }, NullObserver.Instance, ct);
    }

    [Fact]
    public async Task An_unreadable_Longhorn_store_or_an_unknown_claim_fails_an_export_cleanly_and_costs_a_backup_only_its_image()
    {
        var ct = Timeout;
        await DeployWithDataAsync("redis", "redis", "data-redis-0", ct);
        await Engine.BackupAppAsync(W.Selector, "redis", NullObserver.Instance, ct);
        var before = await File.ReadAllTextAsync(Path.Combine(W.World.BackupDir("apps/redis"), "backup.json"));

        var missing = Path.Combine(W.World.Root, "unmounted-longhorn");
        var ex = await Assert.ThrowsAsync<WildBackupException>(() => Engine.ExportVolumeAsync(W.Selector,
            new VolumeExportRequest { App = "redis", BackupTarget = missing }, NullObserver.Instance, ct));
        Assert.Equal(WildErrorKind.Unreachable, ex.Kind);
        Assert.Equal("LonghornTargetUnreadable", ex.ErrorId);
        Assert.Contains(missing, ex.Message);
        Assert.Contains("-BackupTarget", ex.Message);

        var claim = await Assert.ThrowsAsync<NotFoundException>(() => Engine.ExportVolumeAsync(W.Selector,
            new VolumeExportRequest { App = "redis", Claim = "nope", BackupTarget = W.Longhorn.TargetDirectory }, NullObserver.Instance, ct));
        Assert.Contains("data-redis-0", claim.Message);

        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(W.World.BackupDir("apps/redis"), "backup.json")));
        Assert.Empty(Directory.GetFiles(Path.Combine(W.World.BackupDir("apps/redis"), "volumes")));

        // In a backup the image is an extra: when Longhorn's store cannot be read, the backup is taken without it, saying so.
        SetLonghornTarget(missing);
        try
        {
            var events = new RecordingObserver();
            var info = await Engine.BackupAppAsync(W.Selector, "redis", events, ct, exportImages: true);
            Assert.Null(Assert.Single(info.Volumes).Image);
            Assert.DoesNotContain(info.Files, x => x.Name.StartsWith("volumes/", StringComparison.Ordinal));
            Assert.Empty(Directory.GetFiles(Path.Combine(W.World.BackupDir("apps/redis"), "volumes")));
            Assert.Contains(events.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains("No image of claim data-redis-0") && e.Milestone.Contains(missing));
            Assert.True(Assert.Single(await Engine.TestBackupsAsync(W.Selector, ["redis"], false, null, NullObserver.Instance, ct)).Passed);
        }
        finally
        {
            SetLonghornTarget(null);
        }
    }
}
