using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Samples;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Instances;

public sealed class InstanceDirectoryTests : IDisposable
{
    private readonly SampleWorld _world = new();
    private InstanceDirectory Dir => new(_world.DataDir);

    public void Dispose() => _world.Dispose();

    [Fact]
    public void Apps_are_listed_with_namespace_and_requirements()
    {
        var apps = Dir.ListApps(Dir.GetInstance("demo-cloud"));
        Assert.Equal(["gitea", "immich", "postgres", "redis"], apps.Select(a => a.Name));
        var immich = apps.Single(a => a.Name == "immich");
        Assert.Equal(["postgres", "redis"], immich.Requires);
        Assert.Equal("immich", immich.Namespace);
        Assert.Equal("demo-cloud", immich.Instance);
        Assert.Equal(Path.Combine(_world.InstancePath, "apps", "immich"), immich.Path);
        Assert.Equal("1.0.0", immich.Version);
    }

    [Fact]
    public void Blue_green_copies_are_not_apps_of_their_own()
    {
        var copy = Path.Combine(_world.InstancePath, "apps", "gitea-restore");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(_world.InstancePath, "apps", "gitea", "manifest.yaml"), Path.Combine(copy, "manifest.yaml"));
        Directory.CreateDirectory(Path.Combine(_world.InstancePath, "apps", "Not_Valid"));
        Assert.DoesNotContain(Dir.ListApps(Dir.GetInstance("demo-cloud")), a => a.Name is "gitea-restore" or "Not_Valid");
    }

    [Fact]
    public void The_only_instance_is_the_default_and_several_need_a_choice()
    {
        Assert.Equal("demo-cloud", Dir.ResolveInstance(null).Name);
        SampleInstance.Write(_world.DataDir, "second", 1);
        var ex = Assert.Throws<InvalidInputException>(() => Dir.ResolveInstance(null));
        Assert.Contains("demo-cloud, second", ex.Message);
        Assert.Contains("-Instance", ex.Message);
        Assert.Equal("second", Dir.ResolveInstance("second").Name);
    }

    [Fact]
    public void No_instances_is_not_found_and_says_where_it_looked()
    {
        var ex = Assert.Throws<NotFoundException>(() => new InstanceDirectory(Path.Combine(_world.Root, "empty")).ResolveInstance(null));
        Assert.Contains(Path.Combine(_world.Root, "empty", "instances"), ex.Message);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../data")]
    [InlineData("a/b")]
    [InlineData("demo cloud")]
    [InlineData("UPPER")]
    public void Bad_instance_names_are_refused(string name)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Dir.GetInstance(name));
        Assert.Equal("InvalidInstanceName", ex.ErrorId);
    }

    [Fact]
    public void Destination_comes_from_the_argument_then_config_then_nfs_host()
    {
        var instance = Dir.GetInstance("demo-cloud");
        Assert.Equal("/mnt/x", DestinationResolver.Resolve("/mnt/x", instance));
        Assert.Equal("nfs://192.168.8.10/data", DestinationResolver.Resolve(null, instance));
        var config = Path.Combine(_world.InstancePath, "config.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("cloud:\n", "cloud:\n  backup:\n    destination: /srv/backups\n"));
        Assert.Equal("/srv/backups", DestinationResolver.Resolve(null, instance));
        File.WriteAllText(config, "operator: {email: a@b.c}\n");
        var ex = Assert.Throws<InvalidInputException>(() => DestinationResolver.Resolve(null, instance));
        Assert.Contains("-Destination", ex.Message);
    }

    [Fact]
    public void Nfs_urls_and_relative_paths_get_clear_errors()
    {
        Assert.Contains("must be an absolute path", Assert.Throws<InvalidInputException>(() => StoreFactory.OpenRaw("relative/dir")).Message);
        Assert.Contains("not supported", Assert.Throws<InvalidInputException>(() => StoreFactory.OpenRaw("s3://bucket/x")).Message);
    }
}
