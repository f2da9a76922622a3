using Wild.Backup.Simulator.Hosting;

namespace Wild.Backup.Simulator.Tests.Hosting;

public sealed class HostArgumentsTests
{
    [Fact]
    public void Parses_kubeconfig_port_and_flags()
    {
        var a = HostArguments.Parse(["--kubeconfig", "/tmp/kc", "--port", "6443", "--token", "--verbose"]);
        Assert.Equal("/tmp/kc", a.KubeconfigPath);
        Assert.Equal(6443, a.Port);
        Assert.True(a.UseToken);
        Assert.True(a.Verbose);
        Assert.False(a.Http);
    }

    [Fact]
    public void Http_implies_token_and_defaults_are_sensible()
    {
        var a = HostArguments.Parse(["--http"]);
        Assert.True(a.UseToken);
        Assert.Equal(0, HostArguments.Parse([]).Port);
        Assert.EndsWith("kubeconfig", HostArguments.Parse([]).KubeconfigPath);
    }

    [Theory]
    [InlineData("--port", "x")]
    [InlineData("--port", "70000")]
    [InlineData("--bogus")]
    [InlineData("--kubeconfig")]
    public void Bad_arguments_are_rejected_with_a_message(params string[] args)
    {
        var e = Assert.Throws<ArgumentException>(() => HostArguments.Parse(args));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }
}
