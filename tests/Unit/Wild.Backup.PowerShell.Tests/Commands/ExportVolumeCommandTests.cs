using System.Management.Automation;
using Wild.Backup.Core;
using Wild.Backup.Core.Backups;
using Wild.Backup.PowerShell.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.PowerShell.Tests.Commands;

/// <summary>The sample instance on a simulated cluster with Longhorn, whose store this tool reads from its directory
/// (config.yaml <c>cloud.backup.longhornTarget</c>), and the module — in process or on a server.</summary>
public abstract class ExportVolumeFixture(Mode mode) : IAsyncLifetime
{
    public ClusterWorld Cluster { get; private set; } = null!;
    public CmdletWorld Cmdlets { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await ClusterWorld.StartAsync();
        var config = Path.Combine(Cluster.InstancePath, "config.yaml");
        var lines = File.ReadAllLines(config).ToList();
        lines.Insert(lines.FindIndex(l => l.TrimEnd() == "cloud:") + 1, $"  backup:\n    longhornTarget: {Cluster.Longhorn.TargetDirectory}");
        File.WriteAllLines(config, lines);
        Cmdlets = await CmdletWorld.StartAsync(mode, world: Cluster.World);
    }

    public async Task DisposeAsync()
    {
        if (Cmdlets is not null) await Cmdlets.DisposeAsync();
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

public sealed class ExportVolumeFixtureLocal() : ExportVolumeFixture(Mode.Local);

public sealed class ExportVolumeFixtureRemote() : ExportVolumeFixture(Mode.Remote);

/// <summary>Backup-WildApp -ExportImages and Export-WildVolume; each test works on its own app.</summary>
public abstract class ExportVolumeCommandTests(ExportVolumeFixture f)
{
    private ModuleSession Ps => f.Cmdlets.Ps;
    private ClusterWorld W => f.Cluster;
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token;

    [Fact]
    public async Task Backup_WildApp_ExportImages_puts_a_recorded_qcow2_in_the_backup_that_Test_WildBackup_checks()
    {
        await W.DeployAsync("gitea", Timeout);
        await W.Longhorn.Writer("gitea", "gitea-data").WriteRandomAsync(0, 2_000_000, 3, Timeout);
        var (output, ps) = Ps.Invoke("Backup-WildApp gitea -ExportImages -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        var info = (BackupInfo)Assert.Single(output).BaseObject;
        Assert.Equal("volumes/gitea-data.qcow2", Assert.Single(info.Volumes).Image!.File);
        Assert.Contains(info.Files, x => x.Name == "volumes/gitea-data.qcow2");
        Assert.Contains(ps.Streams.Progress, p => p.StatusDescription.StartsWith("Exporting data", StringComparison.Ordinal));
        (output, ps) = Ps.Invoke("Test-WildBackup gitea -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        Assert.True(((BackupTestResult)Assert.Single(output).BaseObject).Passed);
    }

    [Fact]
    public async Task Export_WildVolume_writes_an_image_file_reports_progress_and_names_an_unreadable_store()
    {
        await W.DeployAsync("immich", Timeout);
        await W.Longhorn.Writer("immich", "immich-data").WriteRandomAsync(1 << 20, 3_000_000, 4, Timeout);
        var (_, ps) = Ps.Invoke("Backup-WildApp immich -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);

        var file = Path.Combine(W.World.Root, "images-" + f.Cmdlets.Mode, "immich-data.qcow2");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        Ps.Invoke($"Export-WildVolume immich -Path '{file}' -DataDir $data -Destination $dest -WhatIf");
        Assert.False(File.Exists(file));

        (var output, ps) = Ps.Invoke($"Export-WildVolume immich -Claim immich-data -Path '{file}' -DataDir $data -Destination $dest");
        Assert.Empty(ps.Streams.Error);
        var image = (VolumeImageInfo)Assert.Single(output).BaseObject;
        Assert.Equal("immich-data", image.Claim);
        Assert.False(image.InBackup);
        Assert.Equal(image.Size, new FileInfo(file).Length);
        Assert.Contains(ps.Streams.Progress, p => p.StatusDescription.StartsWith("Writing image", StringComparison.Ordinal) && p.PercentComplete is >= 30 and <= 90);

        // The design's command line does the same (into the backup this time).
        (output, ps) = Ps.Invoke("wild app export-volume immich --claim immich-data --data-dir $data --destination $dest");
        Assert.Empty(ps.Streams.Error);
        Assert.True(((VolumeImageInfo)Assert.Single(output).BaseObject).InBackup);
        Assert.True(File.Exists(Path.Combine(W.World.BackupDir("apps/immich"), "volumes", "immich-data.qcow2")));

        (output, ps) = Ps.Invoke($"Export-WildVolume immich -Path '{file}' -BackupTarget /nonexistent/longhorn -Force -DataDir $data -Destination $dest");
        var error = Assert.Single(ps.Streams.Error);
        Assert.StartsWith("LonghornTargetUnreadable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("/nonexistent/longhorn", error.Exception.Message);
        Assert.Equal(image.Size, new FileInfo(file).Length); // the earlier image is untouched
    }
}

public sealed class ExportVolumeCommandTests_Local(ExportVolumeFixtureLocal f) : ExportVolumeCommandTests(f), IClassFixture<ExportVolumeFixtureLocal>;

public sealed class ExportVolumeCommandTests_Remote(ExportVolumeFixtureRemote f) : ExportVolumeCommandTests(f), IClassFixture<ExportVolumeFixtureRemote>;
