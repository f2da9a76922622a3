using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Yaml;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>Backup and restore of instances as Wild Cloud really leaves them (<see cref="RealisticWorld"/>).</summary>
public sealed class RealInstanceBackupTests : IDisposable
{
    private readonly RealisticWorld _world = new();
    private readonly WildBackupEngine _engine = new(new EngineOptions { ClusterProbeTimeout = TimeSpan.FromSeconds(5) });
    private static CancellationToken Timeout => SampleWorld.Timeout;

    public void Dispose() => _world.Dispose();

    private string Home => _world.InstancePath(RealisticWorld.Home);

    private string Extract(string archive)
    {
        var dir = Path.Combine(_world.Root, "x-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var (code, output) = SampleWorld.Run("tar", "-xzf", archive, "-C", dir);
        Assert.True(code == 0, output);
        return dir;
    }

    private void AssertNoSecretIn(string text) => Assert.All(_world.Secrets, s => Assert.DoesNotContain(s, text));

    [Fact]
    public async Task A_cluster_backup_of_a_daemon_instance_holds_everything_needed_to_rebuild_the_cluster()
    {
        var observer = new RecordingObserver();
        var info = await _engine.BackupClusterAsync(_world.Selector(RealisticWorld.Home), observer, Timeout);

        Assert.Empty(info.Absent);
        Assert.DoesNotContain(observer.Events, e => e.Kind == OperationEventKind.Warning);
        var dir = _world.BackupDir(RealisticWorld.Home, "cluster");
        var talos = Extract(Path.Combine(dir, "talos.tar.gz"));
        Assert.Equal(["controlplane.yaml", "secrets.yaml", "talosconfig", "worker.yaml"], Directory.EnumerateFiles(talos).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Home, "talos", "generated", "secrets.yaml")), File.ReadAllBytes(Path.Combine(talos, "secrets.yaml")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Home, "talos", "generated", "talosconfig")), File.ReadAllBytes(Path.Combine(dir, "talosconfig")));

        var nodes = Extract(Path.Combine(dir, "cluster-nodes.tar.gz"));
        Assert.True(File.Exists(Path.Combine(nodes, "patch.templates", "controlplane.yaml")));
        Assert.True(File.Exists(Path.Combine(nodes, "patch", "home-worker-1.yaml")));
        Assert.True(File.Exists(Path.Combine(nodes, "final", "home-cp-1.yaml")));

        var services = Extract(Path.Combine(dir, "setup.tar.gz"));
        foreach (var service in new[] { "metallb", "longhorn", "traefik", "cert-manager", "externaldns" })
        {
            Assert.True(File.Exists(Path.Combine(services, service, "wild-manifest.yaml")));
            Assert.Contains("{{ .cloud.domain }}", File.ReadAllText(Path.Combine(services, service, "kustomize.template", "config.yaml")));
            Assert.Contains("cloud.example.net", File.ReadAllText(Path.Combine(services, service, "kustomize", "config.yaml")));
            Assert.True(File.Exists(Path.Combine(services, service, ".last-deploy")));
        }
        foreach (var secret in new[] { "kubeconfig", "talosconfig", "talos.tar.gz", "cluster-secrets.yaml", "cluster-nodes.tar.gz" })
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, secret)));

        // The daemon's own config keys travel with the cluster: where it backs up to, where Longhorn does.
        var config = YamlDocumentText.Load(Path.Combine(dir, "cluster-config.yaml"));
        Assert.Equal("nfs://nas.lan:/volume1/longhorn", config.GetScalar(["cluster", "longhorn", "backupTarget"]));
        Assert.Equal("nas.lan", config.GetScalar(["backup", "destination", "nfs", "server"]));
        Assert.False(config.Contains(["apps"]));
        Assert.NotNull(YamlDocumentText.Load(Path.Combine(dir, "cluster-secrets.yaml")).GetScalar(["certManager", "cloudflare", "apiToken"]));
        AssertNoSecretIn(observer.AllText);
    }

    [Fact]
    public async Task An_instance_without_the_Talos_PKI_is_backed_up_with_a_warning_and_its_test_warns_again()
    {
        var observer = new RecordingObserver();
        var info = await _engine.BackupClusterAsync(_world.Selector(RealisticWorld.Lab), observer, Timeout);
        Assert.Equal(["talos/generated/secrets.yaml", "cluster-nodes.tar.gz"], info.Absent);
        Assert.Contains(observer.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains("cannot re-create or re-join", StringComparison.Ordinal));
        var test = (await _engine.TestBackupsAsync(_world.Selector(RealisticWorld.Lab), null, true, null, NullObserver.Instance, Timeout)).Single();
        Assert.True(test.Passed);
        Assert.Contains("no Talos cluster PKI", Assert.Single(test.Warnings));
    }

    [Fact]
    public async Task Every_app_backs_up_while_the_cluster_is_down_and_odd_manifests_only_warn()
    {
        var observer = new RecordingObserver();
        var outcomes = new List<BackupOutcome>();
        await foreach (var o in _engine.BackupAppsAsync(_world.Selector(RealisticWorld.Home), null, observer, Timeout)) outcomes.Add(o);

        Assert.Equal(RealisticWorld.HomeApps, outcomes.Select(o => o.Name).Order(StringComparer.Ordinal));
        Assert.All(outcomes, o => Assert.Null(o.Error));
        var warnings = observer.Events.Where(e => e.Kind == OperationEventKind.Warning).ToList();
        Assert.Contains(warnings, e => e.Target == "apps/open-webui" && e.Milestone.Contains("'openWebui'", StringComparison.Ordinal));
        Assert.Contains(warnings, e => e.Target == "apps/ghost" && e.Milestone.Contains("not strict YAML", StringComparison.Ordinal));
        Assert.Contains(warnings, e => e.Milestone.StartsWith("Volumes not backed up (configuration only)", StringComparison.Ordinal)); // the cluster is down
        AssertNoSecretIn(observer.AllText);

        // The daemon's 4-space sections, as they are.
        var section = File.ReadAllText(_world.BackupDir(RealisticWorld.Home, "apps/gitea/app-config.yaml"));
        Assert.Equal("domain: git.cloud.example.net\ndbHost: postgres.postgres.svc.cluster.local\ndbName: gitea\ndbUser: gitea\nstorage: 20Gi\n", section);
        Assert.True(File.Exists(_world.BackupDir(RealisticWorld.Home, "apps/open-webui/app-secrets.yaml")));
        Assert.Equal("open-webui", (await _engine.GetAppBackupAsync(_world.Selector(RealisticWorld.Home), "open-webui", null, Timeout))!.Name);
    }

    [Fact]
    public async Task An_apps_section_spliced_back_keeps_the_daemons_4_space_file_byte_for_byte()
    {
        var config = Path.Combine(Home, "config.yaml");
        var original = File.ReadAllText(config);
        await _engine.BackupAppAsync(_world.Selector(RealisticWorld.Home), "gitea", NullObserver.Instance, Timeout);
        File.WriteAllText(config, original.Replace("            storage: 20Gi\n", "            storage: 99Gi\n            extra: \"\"\n"));

        await _engine.RestoreAppConfigAsync(_world.Selector(RealisticWorld.Home), "gitea", null, NullObserver.Instance, Timeout);

        Assert.Equal(original, File.ReadAllText(config));
    }

    [Fact]
    public async Task A_lost_central_is_rebuilt_from_the_cluster_backup_into_a_fresh_instance()
    {
        await _engine.BackupClusterAsync(_world.Selector(RealisticWorld.Home), NullObserver.Instance, Timeout);
        // A new central: the daemon made an empty instance (its style: apps: {}).
        var fresh = _world.InstancePath("rebuilt");
        Directory.CreateDirectory(fresh);
        File.WriteAllText(Path.Combine(fresh, "config.yaml"), "operator:\n    email: \"\"\napps: {}\n");

        var observer = new RecordingObserver();
        var result = await _engine.RestoreClusterAsync(_world.Selector("rebuilt"), RealisticWorld.Home, observer, Timeout);

        Assert.Equal(
            ["config.yaml: Merged", "kubeconfig: Created", "secrets.yaml: Created", "setup/cluster-nodes: Created", "setup/cluster-services: Created", "talos/generated: Created"],
            result.Items.Select(i => $"{i.Item}: {i.Action}").Order(StringComparer.Ordinal));
        foreach (var file in new[] { "secrets.yaml", "controlplane.yaml", "worker.yaml", "talosconfig" })
        {
            var restored = Path.Combine(fresh, "talos", "generated", file);
            Assert.Equal(File.ReadAllBytes(Path.Combine(Home, "talos", "generated", file)), File.ReadAllBytes(restored));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(restored));
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(Home, "setup", "cluster-nodes", "final", "home-cp-1.yaml")),
            File.ReadAllBytes(Path.Combine(fresh, "setup", "cluster-nodes", "final", "home-cp-1.yaml")));
        Assert.True(File.Exists(Path.Combine(fresh, "setup", "cluster-services", "metallb", "kustomize.template", "config.yaml")));
        // The fresh instance's (empty) apps stay; the cluster sections are the backed-up ones, in the daemon's style.
        var homeConfig = File.ReadAllText(Path.Combine(Home, "config.yaml"));
        var sections = homeConfig[..homeConfig.IndexOf("apps:\n", StringComparison.Ordinal)];
        Assert.Equal(sections.Insert(sections.IndexOf("cloud:\n", StringComparison.Ordinal), "apps: {}\n"), File.ReadAllText(Path.Combine(fresh, "config.yaml")));
        Assert.DoesNotContain(observer.Events, e => e.Kind == OperationEventKind.Warning);
    }
}
