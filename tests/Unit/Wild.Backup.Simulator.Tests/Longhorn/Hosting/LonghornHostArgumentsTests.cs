using Wild.Backup.Simulator.Hosting;

namespace Wild.Backup.Simulator.Tests.Longhorn.Hosting;

public sealed class LonghornHostArgumentsTests
{
    [Fact]
    public void Longhorn_is_on_by_default_with_a_temporary_target_and_longhorns_poll_interval()
    {
        var a = HostArguments.Parse([]);
        Assert.True(a.Longhorn);
        Assert.Null(a.NfsExport);
        Assert.Null(a.BackupDirectory);
        Assert.Null(a.LonghornDataDirectory);
        Assert.Equal(TimeSpan.FromMinutes(5), a.PollInterval);
        Assert.True(HostArguments.Parse(["--longhorn"]).Longhorn);
        Assert.False(HostArguments.Parse(["--no-longhorn"]).Longhorn);
    }

    [Fact]
    public void Parses_the_nfs_export_the_plain_target_the_data_directory_and_the_poll_interval()
    {
        var a = HostArguments.Parse(["--nfs-export", "/tmp/x", "--nfs-port", "2049", "--longhorn-data", "/tmp/v", "--poll-interval", "1m30s"]);
        Assert.Equal(("/tmp/x", 2049, "/tmp/v"), (a.NfsExport, a.NfsPort, a.LonghornDataDirectory));
        Assert.Equal(TimeSpan.FromSeconds(90), a.PollInterval);
        Assert.Equal(Path.GetFullPath("store"), HostArguments.Parse(["--backup-dir", "store"]).BackupDirectory);
        Assert.Contains("--nfs-export DIR", HostArguments.Usage);
    }

    [Theory]
    [InlineData("--nfs-export", "/tmp/x", "--backup-dir", "/tmp/y")]
    [InlineData("--no-longhorn", "--nfs-export", "/tmp/x")]
    [InlineData("--no-longhorn", "--backup-dir", "/tmp/x")]
    [InlineData("--nfs-port", "2049")]
    [InlineData("--nfs-export", "/tmp/x", "--nfs-port", "port")]
    [InlineData("--poll-interval", "often")]
    [InlineData("--nfs-export")]
    public void Contradictory_or_malformed_longhorn_flags_are_rejected_with_a_message(params string[] args)
    {
        var e = Assert.Throws<ArgumentException>(() => HostArguments.Parse(args));
        Assert.Contains("--", e.Message);
    }
}
