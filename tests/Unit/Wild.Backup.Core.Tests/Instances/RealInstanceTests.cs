using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Kubernetes.Kustomize;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Yaml;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Instances;

/// <summary>The instance layout as Wild Cloud really leaves it (<see cref="RealisticWorld"/>): apps, data dir, destination.</summary>
public sealed class RealInstanceTests : IDisposable
{
    private readonly RealisticWorld _world = new();
    private InstanceDirectory Dir => new(_world.DataDir);
    private WildInstance Home => Dir.GetInstance(RealisticWorld.Home);

    public void Dispose() => _world.Dispose();

    [Fact]
    public void Every_app_directory_is_an_app_named_by_its_directory_even_when_its_manifest_names_it_otherwise()
    {
        var apps = Dir.ListApps(Home);
        Assert.Equal(RealisticWorld.HomeApps, apps.Select(a => a.Name));
        var webui = apps.Single(a => a.Name == "open-webui");
        Assert.Equal("open-webui", webui.Namespace);
        Assert.Contains(webui.Warnings, w => w.Contains("'openWebui'", StringComparison.Ordinal) && w.Contains("the app is 'open-webui'", StringComparison.Ordinal));
        Assert.Equal("llm", apps.Single(a => a.Name == "vllm").Namespace);
        Assert.Equal(["postgres"], apps.Single(a => a.Name == "gitea").Requires);
        Assert.All(apps.Where(a => a.Name is not ("open-webui" or "ghost")), a => Assert.Empty(a.Warnings));
    }

    [Fact]
    public void A_manifest_copied_unrendered_and_not_strict_yaml_is_read_as_far_as_it_can_be_with_a_warning()
    {
        var ghost = Dir.GetApp(Home, "ghost");
        Assert.Equal(["mysql"], ghost.Requires);
        Assert.Equal("Ghost publishing platform", ghost.Description);
        Assert.Contains(ghost.Warnings, w => w.Contains("is not strict YAML", StringComparison.Ordinal));
        var manifest = InstanceDirectory.ReadManifest(Home, "ghost")!;
        Assert.Equal("ghost", manifest.Document.Str("defaultConfig", "dbName"));
        Assert.Equal("ghost.{{ .cloud.domain }}", manifest.Document.Str("defaultConfig", "domain"));
        Assert.Equal("{{ .cloud.smtp.tls }}", manifest.Document.Str("defaultConfig", "smtp", "tls"));
        Assert.Equal(2, manifest.Document.Arr("requiredSecrets")!.Count);
    }

    [Fact]
    public void Blue_green_copies_of_an_app_are_not_apps_but_a_name_that_only_looks_like_one_is()
    {
        foreach (var copy in new[] { "gitea-restore", "gitea-old", "orphan-old" })
        {
            Directory.CreateDirectory(Path.Combine(Home.AppsPath, copy));
            File.Copy(Path.Combine(Home.AppPath("gitea"), "manifest.yaml"), Path.Combine(Home.AppsPath, copy, "manifest.yaml"));
        }
        var names = Dir.ListApps(Home).Select(a => a.Name).ToList();
        Assert.DoesNotContain("gitea-restore", names);
        Assert.DoesNotContain("gitea-old", names);
        Assert.Contains("orphan-old", names); // there is no app 'orphan': this is an app of its own
        var ex = Assert.Throws<InvalidInputException>(() => Dir.GetApp(Home, "gitea-restore"));
        Assert.Equal("NotAnApp", ex.ErrorId);
        Assert.Contains("'gitea'", ex.Message);
    }

    [Fact]
    public void A_restore_copy_stays_a_copy_while_its_switch_is_interrupted_and_the_live_directory_is_gone()
    {
        Directory.Move(Home.AppPath("gitea"), Path.Combine(Home.AppsPath, "gitea-restore"));
        File.WriteAllText(Path.Combine(Home.AppsPath, ".gitea.switch.json"), "{}");
        Assert.DoesNotContain(Dir.ListApps(Home), a => a.Name.StartsWith("gitea", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_app_of_the_fixture_renders_as_kustomize_would()
    {
        // The fixture itself must be what Wild Cloud deploys: every compiled app directory renders.
        foreach (var app in RealisticWorld.HomeApps)
        {
            var objects = KustomizeRenderer.Render(Home.AppPath(app));
            Assert.NotEmpty(objects);
            Assert.All(objects.Where(o => o.Kind() != "Namespace"), o => Assert.Equal(Dir.GetApp(Home, app).Namespace, o.Namespace()));
        }
        var gitea = KustomizeRenderer.Render(Home.AppPath("gitea"));
        Assert.Contains(gitea, o => o.Kind() == "ConfigMap" && o.Name().StartsWith("gitea-env-", StringComparison.Ordinal));
        Assert.Contains(KustomizeRenderer.Render(Home.AppPath("keila")), o => o.Kind() == "Middleware" && o.ApiVersion() == "traefik.io/v1alpha1");
        Assert.Contains(KustomizeRenderer.Render(Home.AppPath("mysql")), o => o.Kind() == "StatefulSet");
    }

    [Fact]
    public void The_data_dir_is_the_argument_then_ours_then_the_daemons_variable_then_the_first_default_that_exists()
    {
        using var temp = new TempDir();
        var newest = temp.Combine("wild-central");
        var october = temp.Combine("wild-cloud-central");
        IReadOnlyList<string> defaults = [newest, october];
        var env = new Dictionary<string, string?>();
        string Choose(string? given) => InstanceDirectory.ChooseDataDir(given, v => env.GetValueOrDefault(v), defaults);

        Assert.Equal(newest, Choose(null)); // neither exists: the newest, so errors name it
        Directory.CreateDirectory(october);
        Assert.Equal(october, Choose(null));
        Directory.CreateDirectory(newest);
        Assert.Equal(newest, Choose(null));
        env[InstanceDirectory.DaemonDataDirVariable] = "/srv/daemon";
        Assert.Equal("/srv/daemon", Choose(null));
        env[InstanceDirectory.DataDirVariable] = "/srv/ours";
        Assert.Equal("/srv/ours", Choose(null));
        Assert.Equal("/given", Choose("/given"));
        Assert.Equal(["/var/lib/wild-central", "/var/lib/wild-cloud-central"], InstanceDirectory.DefaultDataDirs);
    }

    [Fact]
    public void The_destination_comes_from_the_daemons_backup_destination_after_ours()
    {
        Assert.Equal("nfs://nas.lan/volume1/wild-backups", DestinationResolver.Resolve(null, Home));
        Assert.Equal("/mnt/x", DestinationResolver.Resolve("/mnt/x", Home));

        var config = Home.ConfigPath;
        var daemonText = File.ReadAllText(config);
        File.WriteAllText(config, daemonText.Replace("cloud:\n", "cloud:\n    backup:\n        destination: /srv/ours\n"));
        Assert.Equal("/srv/ours", DestinationResolver.Resolve(null, Home));

        File.WriteAllText(config, daemonText.Replace("        type: nfs\n", "        type: local\n").Replace("            path: \"\"", "            path: /srv/local-backups"));
        Assert.Equal("/srv/local-backups", DestinationResolver.Resolve(null, Home));
    }

    [Fact]
    public void Without_any_destination_key_the_Longhorn_backup_target_share_is_used_and_s3_is_named_as_not_ours()
    {
        var config = Home.ConfigPath;
        File.WriteAllText(config, File.ReadAllText(config).Replace("        type: nfs\n", "        type: s3\n"));
        Assert.Equal("nfs://nas.lan/volume1/longhorn", DestinationResolver.Resolve(null, Home));

        File.WriteAllText(config, File.ReadAllText(config).Replace("backupTarget: nfs://nas.lan:/volume1/longhorn", "backupTarget: \"\""));
        var ex = Assert.Throws<InvalidInputException>(() => DestinationResolver.Resolve(null, Home));
        Assert.Contains("backup.destination.type 's3'", ex.Message);
        Assert.Contains("-Destination", ex.Message);
    }

    [Fact]
    public void Longhorns_store_is_read_from_our_key_then_the_daemons_backup_target()
    {
        Assert.Equal("nfs://nas.lan/volume1/longhorn", Wild.Backup.Core.Images.ImageSettings.LonghornTarget(Home));
        var config = Home.ConfigPath;
        File.WriteAllText(config, File.ReadAllText(config).Replace("cloud:\n", "cloud:\n    backup:\n        longhornTarget: /mnt/longhorn-store\n"));
        Assert.Equal("/mnt/longhorn-store", Wild.Backup.Core.Images.ImageSettings.LonghornTarget(Home));
    }

    [Theory]
    [InlineData("nfs://nas.lan:/volume1/longhorn", "nfs://nas.lan/volume1/longhorn")]
    [InlineData("nfs://10.0.0.5:/export/lh?nfsOptions=vers=4.1,soft", "nfs://10.0.0.5/export/lh")]
    [InlineData("nfs://nas:2049:/x", "nfs://nas:2049/x")]
    [InlineData("s3://bucket@us-east-1/", null)]
    [InlineData("cifs://nas/share", null)]
    public void Longhorn_nfs_targets_become_our_nfs_urls(string target, string? expected)
    {
        var doc = YamlDocumentText.Parse($"cluster:\n    longhorn:\n        backupTarget: \"{target}\"\n");
        Assert.Equal(expected, DestinationResolver.LonghornTarget(doc));
    }

    [Fact]
    public void The_real_talosconfig_path_is_under_talos_generated()
    {
        Assert.Equal(Path.Combine(Home.Path, "talos", "generated", "talosconfig"), Home.TalosconfigPath);
        Assert.True(File.Exists(Home.TalosconfigPath));
        Assert.True(File.Exists(Home.TalosSecretsPath));
        Assert.True(Directory.Exists(Path.Combine(Home.ClusterNodesPath, "final")));
    }
}
