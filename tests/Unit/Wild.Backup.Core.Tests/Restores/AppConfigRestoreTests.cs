using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Restores;
using Wild.Backup.Core.Tests.Backups;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Core.Yaml;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Restores;

/// <summary>Run against a local directory (<c>AppConfigRestoreTests_Local</c>) and against nfs:// served by a real NFS-Ganesha
/// (<c>AppConfigRestoreTests_Nfs</c>): the same tests, the same expectations.</summary>
public abstract class AppConfigRestoreTests(Func<SampleWorld, (string Uri, string LocalView)>? destination = null) : DestinationTests(destination)
{
    private readonly WildBackupEngine _engine = new();


    [Fact]
    public async Task App_sections_are_merged_back_leaving_other_apps_and_comments()
    {
        var configPath = Path.Combine(World.InstancePath, "config.yaml");
        var secretsPath = Path.Combine(World.InstancePath, "secrets.yaml");
        var originalConfig = File.ReadAllText(configPath);
        var originalSecrets = File.ReadAllText(secretsPath);
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);

        File.WriteAllText(configPath, YamlDocumentText.Parse(originalConfig).SetValue(["apps", "gitea"], "domain: broken\n").Text);
        File.WriteAllText(secretsPath, YamlDocumentText.Parse(originalSecrets).Remove(["apps", "gitea"]).Text);

        var result = await _engine.RestoreAppConfigAsync(World.Selector, "gitea", null, NullObserver.Instance, SampleWorld.Timeout);

        Assert.Equal(originalConfig, File.ReadAllText(configPath));
        Assert.Equal(YamlDocumentText.Parse(originalSecrets).ExtractValue(["apps", "gitea"]), YamlDocumentText.Load(secretsPath).ExtractValue(["apps", "gitea"]));
        Assert.Equal(YamlDocumentText.Parse(originalSecrets).ExtractValue(["apps", "immich"]), YamlDocumentText.Load(secretsPath).ExtractValue(["apps", "immich"]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretsPath));
        Assert.All(result.Items, i => Assert.Equal(RestoreAction.Merged, i.Action));
    }

    [Fact]
    public async Task App_files_extract_to_a_new_directory_identical_to_the_original()
    {
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        var target = Path.Combine(World.InstancePath, "apps", "gitea-restore");
        await _engine.ExtractAppFilesAsync(World.Selector, "gitea", null, target, SampleWorld.Timeout);
        AppBackupTests.AssertSameTree(Path.Combine(World.InstancePath, "apps", "gitea"), target);
        var ex = await Assert.ThrowsAsync<ConflictException>(() => _engine.ExtractAppFilesAsync(World.Selector, "gitea", null, target, SampleWorld.Timeout));
        Assert.Contains("already exists", ex.Message);
    }
}

public sealed class AppConfigRestoreTests_Local() : AppConfigRestoreTests();

public sealed class AppConfigRestoreTests_Nfs(GaneshaFixture nfs) : AppConfigRestoreTests(nfs.Serve), IClassFixture<GaneshaFixture>;
