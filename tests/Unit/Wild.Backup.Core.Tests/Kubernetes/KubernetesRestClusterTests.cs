using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Security;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Kubernetes;

public sealed class SimulatedClusterFixture : IAsyncLifetime
{
    public SimulatedCluster Cluster { get; private set; } = null!;
    public TempDir Temp { get; } = new("wild-kube-");

    public async Task InitializeAsync() => Cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { PodStartDelay = TimeSpan.FromMilliseconds(100) });

    public async Task DisposeAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
        Temp.Dispose();
    }

    public string Kubeconfig(KubeconfigCredential credential = KubeconfigCredential.ClientCertificate)
    {
        var path = Temp.Combine("kubeconfig-" + Guid.NewGuid().ToString("N")[..8]);
        Cluster.WriteKubeconfig(path, credential);
        return path;
    }
}

/// <summary>Cluster access over KubernetesClient against the simulated API server: CRUD, apply, discovery, errors, deadlines.</summary>
public sealed class KubernetesRestClusterTests(SimulatedClusterFixture f) : IClassFixture<SimulatedClusterFixture>
{
    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token;

    private static JsonObject ConfigMap(string ns, string name, string label = "x") => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["set"] = label } },
        ["data"] = new JsonObject { ["k"] = "v" },
    };

    private async Task<string> NamespaceAsync(IKubernetesCluster c)
    {
        var ns = "t-" + Guid.NewGuid().ToString("N")[..8];
        await c.CreateAsync(ResourceKind.Namespace, new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } }, Timeout);
        return ns;
    }

    [Theory]
    [InlineData(KubeconfigCredential.ClientCertificate)]
    [InlineData(KubeconfigCredential.Token)]
    public async Task Objects_are_created_read_applied_listed_and_deleted(KubeconfigCredential credential)
    {
        await using var c = KubernetesRestCluster.FromKubeconfig(f.Kubeconfig(credential));
        await c.ProbeAsync(Timeout);
        Assert.Equal(f.Cluster.BaseUri.ToString().TrimEnd('/'), c.Server.TrimEnd('/'));
        var ns = await NamespaceAsync(c);

        Assert.Null(await c.GetAsync(ResourceKind.ConfigMap, ns, "a", Timeout));
        var created = await c.CreateAsync(ResourceKind.ConfigMap, ConfigMap(ns, "a"), Timeout);
        Assert.NotNull(created.Str("metadata", "uid"));
        var dup = await Assert.ThrowsAsync<ConflictException>(() => c.CreateAsync(ResourceKind.ConfigMap, ConfigMap(ns, "a"), Timeout));
        Assert.Equal("ClusterObjectExists", dup.ErrorId);

        var applied = ConfigMap(ns, "b", "y");
        var first = await c.ApplyAsync(ResourceKind.ConfigMap, applied, "wildbackup-test", force: false, Timeout);
        Assert.Contains(first.Arr("metadata", "managedFields")!, m => m.Str("manager") == "wildbackup-test" && m.Str("operation") == "Apply");
        applied.Obj("data")!["k"] = "changed";
        Assert.Equal("changed", (await c.ApplyAsync(ResourceKind.ConfigMap, applied, "wildbackup-test", force: false, Timeout)).Str("data", "k"));

        var all = await c.ListAsync(ResourceKind.ConfigMap, ns, null, Timeout);
        Assert.Contains(all, o => o.Name() == "a" && o.Kind() == "ConfigMap" && o.ApiVersion() == "v1");
        Assert.Equal(["b"], (await c.ListAsync(ResourceKind.ConfigMap, ns, "set=y", Timeout)).Select(o => o.Name()));

        Assert.True(await c.DeleteAsync(ResourceKind.ConfigMap, ns, "a", Timeout));
        Assert.False(await c.DeleteAsync(ResourceKind.ConfigMap, ns, "a", Timeout));
    }

    [Fact]
    public async Task Lists_follow_continue_tokens()
    {
        await using var c = KubernetesRestCluster.FromKubeconfig(f.Kubeconfig());
        var ns = await NamespaceAsync(c);
        for (var i = 0; i < 510; i++) await c.CreateAsync(ResourceKind.ConfigMap, ConfigMap(ns, $"cm-{i:000}"), Timeout);
        var all = await c.ListAsync(ResourceKind.ConfigMap, ns, "set=x", Timeout);
        Assert.Equal(510, all.Count);
        Assert.Equal(510, all.Select(o => o.Name()).Distinct().Count());
    }

    [Fact]
    public async Task Kinds_are_discovered_and_unknown_ones_named()
    {
        await using var c = KubernetesRestCluster.FromKubeconfig(f.Kubeconfig());
        var policy = await c.ResolveAsync("networking.k8s.io/v1", "NetworkPolicy", Timeout);
        Assert.Equal(("networkpolicies", true), (policy.Plural, policy.Namespaced));
        var role = await c.ResolveAsync("rbac.authorization.k8s.io/v1", "ClusterRole", Timeout);
        Assert.False(role.Namespaced);
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => c.ResolveAsync("longhorn.io/v1beta2", "Backup", Timeout));
        Assert.Equal("KindNotServed", ex.ErrorId);
        Assert.Contains("is its CRD installed", ex.Message);
        Assert.Equal("KindNotServed", (await Assert.ThrowsAsync<NotFoundException>(() => c.ResolveAsync("v1", "NoSuchKind", Timeout))).ErrorId);
    }

    [Fact]
    public async Task Rejections_carry_the_server_message_except_for_secrets()
    {
        await using var c = KubernetesRestCluster.FromKubeconfig(f.Kubeconfig());
        var ns = await NamespaceAsync(c);
        var bad = await Assert.ThrowsAsync<InvalidInputException>(() => c.CreateAsync(ResourceKind.ConfigMap, ConfigMap(ns, "Not_A_Name"), Timeout));
        Assert.Equal("ClusterRejected", bad.ErrorId);
        Assert.Contains("Not_A_Name", bad.Message);

        const string value = "dG9wLXNlY3JldC12YWx1ZQ==";
        var secret = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "s", ["namespace"] = ns },
            ["data"] = new JsonObject { ["bad key!"] = value },
        };
        var rejected = await Assert.ThrowsAsync<InvalidInputException>(() => c.CreateAsync(ResourceKind.Secret, secret, Timeout));
        Assert.DoesNotContain(value, rejected.Message);
        Assert.DoesNotContain("top-secret", rejected.Message);
        Assert.Contains("Secret " + ns + "/s", rejected.Message);
    }

    [Fact]
    public async Task A_closed_port_is_unreachable_with_a_clear_message()
    {
        var port = Kubeconfigs.FreePort();
        var path = Kubeconfigs.WithPort(f.Kubeconfig(), port, f.Temp.Combine("closed-" + port));
        await using var c = KubernetesRestCluster.FromKubeconfig(path);
        var ex = await Assert.ThrowsAsync<UnreachableClusterException>(() => c.ProbeAsync(Timeout));
        Assert.Equal(WildErrorKind.Unreachable, ex.Kind);
        Assert.StartsWith($"Cannot reach the cluster at https://127.0.0.1:{port}", ex.Message);
        Assert.Contains("kubeconfig", ex.Message);
    }

    [Fact]
    public async Task A_server_that_never_answers_runs_into_the_call_deadline_and_cancellation_stops_a_call()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true) accepted.Add(await silent.AcceptTcpClientAsync());
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        });
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var path = Kubeconfigs.WithPort(f.Kubeconfig(), port, f.Temp.Combine("silent-" + port));
        await using var c = KubernetesRestCluster.FromKubeconfig(path, new ClusterOptions { CallTimeout = TimeSpan.FromSeconds(1) });
        var ex = await Assert.ThrowsAsync<UnreachableClusterException>(() => c.ProbeAsync(Timeout));
        Assert.Contains("no answer within 1 s", ex.Message);

        await using var slow = KubernetesRestCluster.FromKubeconfig(path, new ClusterOptions { CallTimeout = TimeSpan.FromMinutes(5) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.ProbeAsync(cts.Token));
        foreach (var client in accepted.ToList()) client.Dispose();
    }

    [Fact]
    public void Missing_or_broken_kubeconfigs_are_named()
    {
        var missing = Assert.Throws<NotFoundException>(() => KubernetesRestCluster.FromKubeconfig(f.Temp.Combine("nope")));
        Assert.Equal("NoKubeconfig", missing.ErrorId);
        var garbage = f.Temp.Combine("garbage");
        File.WriteAllText(garbage, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: nowhere\n");
        Assert.Equal("KubeconfigInvalid", Assert.Throws<InvalidInputException>(() => KubernetesRestCluster.FromKubeconfig(garbage)).ErrorId);
    }
}

/// <summary>An admission webhook that fails (Longhorn before 1.10 panics on a Backup without its <c>backup-volume</c>
/// label; the API server answers 500 "failed calling webhook … EOF"): the cluster answered, so this is its refusal with
/// its message, not "cannot reach the cluster".</summary>
public sealed class WebhookFailureTests : IAsyncLifetime
{
    private readonly TempDir _temp = new("wild-webhook-");
    private SimulatedCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { Longhorn = ClusterWorld.LonghornFor(Simulator.Longhorn.LonghornVersion.V1_8) });

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_failing_admission_webhook_is_the_clusters_refusal_with_its_message_not_an_unreachable_cluster()
    {
        var path = _temp.Combine("kubeconfig");
        _cluster.WriteKubeconfig(path);
        await using var kube = KubernetesRestCluster.FromKubeconfig(path);
        var ct = new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token;
        var backup = new JsonObject
        {
            ["apiVersion"] = "longhorn.io/v1beta2",
            ["kind"] = "Backup",
            ["metadata"] = new JsonObject { ["name"] = "backup-0123456789abcdef", ["namespace"] = "longhorn-system" },
            ["spec"] = new JsonObject { ["snapshotName"] = "snap-1" },
        };
        var ex = await Assert.ThrowsAnyAsync<WildBackupException>(() => kube.CreateAsync(Wild.Backup.Core.Longhorn.Product.LonghornApi.Backups, backup, ct));
        Assert.IsNotType<UnreachableClusterException>(ex);
        Assert.Equal(WildErrorKind.Invalid, ex.Kind);
        Assert.Equal("ClusterWebhookFailed", ex.ErrorId);
        Assert.Contains("failed calling webhook \"mutator.longhorn.io\"", ex.Message);
        Assert.DoesNotContain("Cannot reach", ex.Message);
    }
}
