using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Wild.Backup.Simulator.Security;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>HTTPS, kubeconfig and authentication as a Talos cluster does them.</summary>
public sealed class AuthenticationTests
{
    [Fact]
    public async Task Client_certificate_kubeconfig_loads_unchanged_and_lists_nodes()
    {
        using var client = await SharedCluster.ClientAsync(KubeconfigCredential.ClientCertificate);
        var nodes = await client.CoreV1.ListNodeAsync();
        Assert.Equal(["wild-cp-1", "wild-cp-2", "wild-cp-3"], nodes.Items.Select(n => n.Metadata.Name).Order());
        Assert.All(nodes.Items, n => Assert.StartsWith("Talos (", n.Status.NodeInfo.OsImage));
    }

    [Fact]
    public async Task Token_kubeconfig_works_too()
    {
        using var client = await SharedCluster.ClientAsync(KubeconfigCredential.Token);
        var ns = await client.CoreV1.ReadNamespaceAsync("longhorn-system");
        Assert.Equal("Active", ns.Status.Phase);
    }

    [Fact]
    public async Task Kubeconfig_has_ca_data_https_server_and_owner_only_mode()
    {
        var cluster = await SharedCluster.GetAsync();
        var path = Path.Combine(Path.GetTempPath(), $"kc-{Guid.NewGuid():N}");
        try
        {
            cluster.WriteKubeconfig(path);
            var text = await File.ReadAllTextAsync(path);
            Assert.Contains("certificate-authority-data: ", text);
            Assert.Contains("client-certificate-data: ", text);
            Assert.Contains($"server: https://127.0.0.1:{cluster.BaseUri.Port}", text);
            Assert.Contains("current-context: admin@wild-sim", text);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            Assert.False(config.SkipTlsVerify);
            Assert.NotNull(config.SslCaCerts);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Kubeconfig_stream_builds_a_client_configuration()
    {
        var cluster = await SharedCluster.GetAsync();
        using var stream = cluster.KubeconfigStream();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
        Assert.Equal("default", (await client.CoreV1.ReadNamespaceAsync("default")).Metadata.Name);
    }

    [Fact]
    public async Task Unauthenticated_request_gets_401_status()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync(), authenticate: false);
        var response = await raw.GetAsync("/api/v1/namespaces");
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal("Unauthorized", response.Json["reason"]!.GetValue<string>());
        Assert.Equal(401, response.Json["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Wrong_token_gets_401()
    {
        using var raw = new RawApi(await SharedCluster.GetAsync(), token: "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await raw.GetAsync("/api/v1/pods")).Status);
    }

    [Fact]
    public async Task Client_certificate_from_another_ca_is_refused()
    {
        var cluster = await SharedCluster.GetAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=admin, O=system:masters", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var selfSigned = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        var kubeconfig = cluster.KubeconfigText()
            .Split('\n')
            .Select(l => l.TrimStart().StartsWith("client-certificate-data:") ? "    client-certificate-data: " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(selfSigned.ExportCertificatePem()))
                : l.TrimStart().StartsWith("client-key-data:") ? "    client-key-data: " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key.ExportECPrivateKeyPem())) : l);
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', kubeconfig)));
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
        await ApiAssert.FailsAsync(HttpStatusCode.Unauthorized, () => client.CoreV1.ListNamespaceAsync());
    }

    [Fact]
    public async Task Server_certificate_is_only_trusted_through_the_cluster_ca()
    {
        var cluster = await SharedCluster.GetAsync();
        using var plain = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri(cluster.BaseUri, "/version")));
    }

    [Fact]
    public async Task Version_reports_the_kubernetes_version()
    {
        using var client = await SharedCluster.ClientAsync();
        var version = await client.Version.GetCodeAsync();
        Assert.Equal("v1.33.1", version.GitVersion);
        Assert.Equal("1", version.Major);
        Assert.Equal("33", version.Minor);
    }
}
