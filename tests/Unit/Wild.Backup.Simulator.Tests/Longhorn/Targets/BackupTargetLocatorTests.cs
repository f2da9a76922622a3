using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Longhorn.Targets;

namespace Wild.Backup.Simulator.Tests.Longhorn.Targets;

public sealed class BackupTargetLocatorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("wild-locator-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("nfs://nas:/data/backups", "nas", null, "/data/backups")]
    [InlineData("nfs://NAS.local:/data/backups/?nfsOptions=nfsvers=4.2", "nas.local", null, "/data/backups")]
    [InlineData("nfs://127.0.0.1:2049/export?mountport=4000", "127.0.0.1", 2049, "/export")]
    [InlineData("nfs://127.0.0.1/export//sub", "127.0.0.1", null, "/export/sub")]
    public void Parses_longhorn_style_nfs_urls(string url, string host, int? port, string path)
    {
        Assert.True(NfsShareUrl.TryParse(url, out var share, out var error), error);
        Assert.Equal(new NfsShareUrl(host, port, path), share);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("s3://bucket@us-east-1/", "only nfs://")]
    [InlineData("nfs://nas", "no exported path")]
    [InlineData("nfs://:/x", "no NFS server")]
    [InlineData("nfs://nas:/a/../b", "'..'")]
    public void Refuses_what_it_cannot_serve_and_says_why(string url, string why)
    {
        Assert.False(NfsShareUrl.TryParse(url, out _, out var error));
        Assert.Contains(why, error);
    }

    [Fact]
    public void Maps_the_share_and_existing_directories_inside_it_and_nothing_else()
    {
        Directory.CreateDirectory(Path.Combine(_root, "cluster-a"));
        var locator = new BackupTargetLocator("nfs://127.0.0.1:/export", _root);
        Assert.Equal(_root, locator.Resolve("nfs://localhost:/export", out _));
        Assert.Equal(_root, locator.Resolve("nfs://127.0.0.1:2049/export/?mountport=1", out _));
        Assert.Equal(Path.Combine(_root, "cluster-a"), locator.Resolve("nfs://127.0.0.1:/export/cluster-a", out _));

        Assert.Null(locator.Resolve("nfs://127.0.0.1:/export/cluster-b", out var missing));
        Assert.Contains("No such file or directory", missing);
        Assert.Null(locator.Resolve("nfs://nas:/export", out var other));
        Assert.Contains("access denied by server while mounting nas:/export", other);
        Assert.Null(locator.Resolve("nfs://127.0.0.1:/exports", out _));
    }

    [Theory]
    [InlineData("5m0s", 300_000)]
    [InlineData("300s", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("0s", 0)]
    [InlineData("0", 0)]
    public void Go_durations_parse(string text, long milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var d));
        Assert.Equal(milliseconds, (long)d.TotalMilliseconds);
    }

    [Fact]
    public void Go_durations_format_as_go_does_and_bad_ones_are_refused()
    {
        Assert.Equal("5m0s", GoDuration.Format(TimeSpan.FromMinutes(5)));
        Assert.Equal("1h0m0s", GoDuration.Format(TimeSpan.FromHours(1)));
        Assert.Equal("2s", GoDuration.Format(TimeSpan.FromSeconds(2)));
        Assert.Equal("0s", GoDuration.Format(TimeSpan.Zero));
        Assert.False(GoDuration.TryParse("5 minutes", out _));
        Assert.False(GoDuration.TryParse("", out _));
        Assert.False(GoDuration.TryParse("m", out _));
    }

    [Fact]
    public void Backup_volume_names_are_longhorns_volume_dash_sha256_prefix()
    {
        // sha256("pvc-1-default") starts 5e6cec46 (longhorn-manager GetBackupVolumeNameFromVolumeName: 8 hex digits).
        Assert.Equal("pvc-1-5e6cec46", LonghornKube.BackupVolumeName("pvc-1", "default", LonghornVersion.V1_8));
        Assert.Equal("pvc-1-e-0", LonghornKube.EngineName("pvc-1"));
    }
}
