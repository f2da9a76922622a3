using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;
using Xunit.Abstractions;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>
/// Latest-only must never mean "none": a backup process killed (SIGKILL) at ANY store step — every create, write,
/// close, flush, rename and delete — leaves the previous or the new backup complete and verifiable, and the next run
/// succeeds and cleans up. The child is this test assembly run in crash-child mode (Support/CrashChild.cs).
/// </summary>
public abstract class CrashSafetyTests(ITestOutputHelper output, Func<SampleWorld, (string Uri, string LocalView)>? destination = null) : DestinationTests(destination)
{
    private readonly ITestOutputHelper _output = output;
    private readonly WildBackupEngine _engine = new();


    [Theory]
    [InlineData("gitea")]
    [InlineData("cluster")]
    public async Task Killing_the_backup_at_every_step_leaves_a_complete_backup(string target)
    {
        var isCluster = target == "cluster";
        var markerDir = isCluster ? Path.Combine(World.InstancePath, "setup", "cluster-services") : Path.Combine(World.InstancePath, "apps", target);
        var address = isCluster ? BackupLayout.Cluster(World.Instance) : BackupLayout.App(World.Instance, target);
        await BackupInProcess(target);

        var (code, text) = Child(target, 0);
        Assert.True(code == 0, text);
        var steps = long.Parse(text.Trim().Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(steps, 20, 10_000);
        _output.WriteLine($"{target}: {steps} store steps per backup");

        await using var store = new LocalDirectoryStore(World.Destination);
        for (var k = 1; k <= steps; k++)
        {
            var marker = $"iteration {k}";
            File.WriteAllText(Path.Combine(markerDir, "marker.txt"), marker);
            var previous = await BackupVerifier.ReadRecordAsync(store, (await new BackupSlot(store, address).ResolveAsync(SampleWorld.Timeout))!, SampleWorld.Timeout);

            (code, text) = Child(target, k);
            Assert.True(code is 137 or -9 or 0, $"step {k}: unexpected exit {code}: {text}");
            _output.WriteLine($"step {k}: {text.Trim()}");

            // Whatever the step, one complete backup is readable and verifies...
            var dir = await new BackupSlot(store, address).ResolveAsync(SampleWorld.Timeout);
            Assert.True(dir is not null, $"step {k}: no backup left");
            var (record, problems) = await BackupVerifier.VerifyBackupAsync(store, dir!, null, SampleWorld.Timeout);
            Assert.True(problems.Count == 0, $"step {k}: {string.Join("; ", problems)}");
            // ...and it is the previous one or the new one, whole.
            var isPrevious = record!.CreatedAt == previous.CreatedAt;
            var archive = Path.Combine(World.Destination, dir!, isCluster ? "setup.tar.gz" : "config.tar.gz");
            var isNew = SampleWorld.Run("tar", "-xzOf", archive, "marker.txt") is (0, var m) && m == marker;
            Assert.True(isPrevious || isNew, $"step {k}: the surviving backup is neither the previous nor the new one");

            // The next run takes over the dead process's lock at once, succeeds, and leaves nothing behind.
            await BackupInProcess(target);
            var parent = Path.Combine(World.Destination, address.Parent);
            var left = Directory.EnumerateFileSystemEntries(parent).Select(Path.GetFileName).Where(n => n!.StartsWith('.') || n == address.Name).ToList();
            Assert.True(left.SequenceEqual([address.Name]), $"step {k}: leftovers {string.Join(", ", left)}");
        }
    }

    private async Task BackupInProcess(string target)
    {
        if (target == "cluster") await _engine.BackupClusterAsync(World.Selector, NullObserver.Instance, SampleWorld.Timeout);
        else await _engine.BackupAppAsync(World.Selector, target, NullObserver.Instance, SampleWorld.Timeout);
    }

    private (int, string) Child(string target, long killAt)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        return SampleWorld.Run(dotnet, typeof(CrashChild).Assembly.Location, "crash-child", World.DataDir, World.DestinationUri, target, killAt.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed class CrashSafetyTests_Local(ITestOutputHelper output) : CrashSafetyTests(output);

/// <summary>Killed mid-backup over nfs:// (the child speaks NFS itself): the server keeps renames atomic, the engine does the rest.</summary>
public sealed class CrashSafetyTests_Nfs(ITestOutputHelper output, GaneshaFixture nfs) : CrashSafetyTests(output, nfs.Serve), IClassFixture<GaneshaFixture>;
