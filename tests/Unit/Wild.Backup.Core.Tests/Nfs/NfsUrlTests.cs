using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Storage;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs;

public sealed class NfsUrlTests
{
    [Fact]
    public void Host_path_ports_and_identity_come_from_the_url()
    {
        var u = NfsUrl.Parse("nfs://nas.local:2050/data/backups/?uid=1000&gid=100&mountport=20048&timeout=2.5");
        Assert.Equal("nas.local", u.Host);
        Assert.Equal("/data/backups", u.Path);
        Assert.Equal(2050, u.NfsPort);
        Assert.Equal(20048, u.MountPort);
        Assert.Equal((1000u, 100u), (u.Uid!.Value, u.Gid!.Value));
        Assert.Equal(TimeSpan.FromSeconds(2.5), u.Timeout);
        Assert.Equal("nfs://nas.local:2050/data/backups", u.Display);
    }

    [Fact]
    public void Without_ports_the_portmapper_will_be_asked()
    {
        var u = NfsUrl.Parse("nfs://10.0.0.5/export");
        Assert.Null(u.NfsPort);
        Assert.Null(u.MountPort);
        Assert.Null(u.Uid);
        Assert.Equal("nfs://10.0.0.5/export", u.Display);
    }

    [Fact]
    public void Libnfs_style_nfsport_and_ipv6_and_escapes_are_understood()
    {
        Assert.Equal(2049, NfsUrl.Parse("nfs://h/e?nfsport=2049").NfsPort);
        var v6 = NfsUrl.Parse("nfs://[::1]:2049/e");
        Assert.Equal("::1", v6.Host);
        Assert.Equal("nfs://[::1]:2049/e", v6.Display);
        Assert.Equal("/my backups/x", NfsUrl.Parse("nfs://h/my%20backups//x").Path);
    }

    [Theory]
    [InlineData("nfs://h", "names no export")]
    [InlineData("nfs://h/", "names no export")]
    [InlineData("nfs://h/e?uid=-1", "uid=")]
    [InlineData("nfs://h/e?gid=x", "gid=")]
    [InlineData("nfs://h/e?mountport=70000", "mountport=")]
    [InlineData("nfs://h/e?ui=5", "'ui' is not a known option")]
    [InlineData("nfs://h/e?uid=1&uid=2", "given twice")]
    [InlineData("nfs://h/e?uid", "has no value")]
    [InlineData("nfs://h:2049/e?nfsport=2050", "disagree")]
    [InlineData("nfs://h/e?timeout=0", "timeout=")]
    [InlineData("nfs://h/a/../b", "'.' or '..'")]
    [InlineData("nfs://user:secret@h/e", "user names and passwords")]
    public void Bad_urls_are_refused_with_the_reason(string url, string reason)
    {
        var ex = Assert.Throws<InvalidInputException>(() => NfsUrl.Parse(url));
        Assert.Contains(reason, ex.Message);
        Assert.DoesNotContain("secret", ex.Message);
    }

    [Fact]
    public void The_factory_opens_nfs_urls_as_nfs_stores_without_touching_the_network()
    {
        var store = StoreFactory.OpenRaw("nfs://127.0.0.1:1/export/sub?mountport=2&uid=5");
        var nfs = Assert.IsType<NfsStore>(store);
        Assert.Equal("nfs://127.0.0.1:1/export/sub", nfs.Location);
        Assert.Equal(5u, nfs.Options.Uid);
        Assert.IsType<RetryingStore>(StoreFactory.Open("nfs://127.0.0.1:1/export"));
    }

    [Fact]
    public void Url_options_override_the_given_options()
    {
        var store = new NfsStore("nfs://h/e?timeout=3&gid=7", new NfsStoreOptions { Timeout = TimeSpan.FromSeconds(60), Uid = 9 });
        Assert.Equal(TimeSpan.FromSeconds(3), store.Options.Timeout);
        Assert.Equal(9u, store.Options.Uid);
        Assert.Equal(7u, store.Options.Gid);
    }
}
