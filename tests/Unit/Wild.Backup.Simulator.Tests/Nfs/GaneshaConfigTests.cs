using Wild.Backup.Simulator.Nfs;
using Xunit;

namespace Wild.Backup.Simulator.Tests.Nfs;

public sealed class GaneshaConfigTests
{
    [Fact]
    public void The_config_exports_one_directory_over_nfsv3_tcp_on_loopback()
    {
        var conf = GaneshaConfig.Render(new GaneshaOptions { ExportDirectory = "/srv/x" }, 2049, 20048, "/w/recovery");
        Assert.Contains("Bind_addr = 127.0.0.1;", conf);
        Assert.Contains("NFS_Port = 2049;", conf);
        Assert.Contains("MNT_Port = 20048;", conf);
        Assert.Contains("Path = \"/srv/x\";", conf);
        Assert.Contains("Pseudo = \"/export\";", conf);
        Assert.Contains("Squash = No_Root_Squash;", conf);
        Assert.Contains("Access_Type = RW;", conf);
        Assert.Contains("Attr_Expiration_Time = 0;", conf);
        Assert.Contains("RecoveryRoot = \"/w/recovery\";", conf);
        Assert.Equal(conf.Count(c => c == '{'), conf.Count(c => c == '}'));
    }

    [Fact]
    public void Squash_and_client_lists_are_rendered()
    {
        var conf = GaneshaConfig.Render(new GaneshaOptions { ExportDirectory = "/e", Squash = GaneshaSquash.All, AnonymousUid = 7, AllowedClients = ["10.0.0.1", "10.0.0.2"] }, 1, 2, "/r");
        Assert.Contains("Squash = All_Squash;", conf);
        Assert.Contains("Anonymous_Uid = 7;", conf);
        Assert.Contains("Access_Type = None;", conf);
        Assert.Contains("CLIENT { Clients = 10.0.0.1, 10.0.0.2; Access_Type = RW; }", conf);
    }

    [Fact]
    public void Paths_that_would_break_the_config_are_refused() =>
        Assert.Throws<ArgumentException>(() => GaneshaConfig.Render(new GaneshaOptions { ExportDirectory = "/e\"; Squash = No_Root_Squash" }, 1, 2, "/r"));
}
