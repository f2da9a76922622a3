using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Wild.Backup.Simulator.Nfs;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs;

/// <summary>
/// Whole backups to an nfs:// destination while the real NFS server misbehaves: stopped before, stopped in the middle,
/// restarted between two backups, nearly full, wrong export, permission denied. What a person sees is the engine's
/// error, and the previous backup survives every one of them. Waits are bounded (hang guards, not performance checks).
/// </summary>
public sealed class NfsBackupFaultTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);
    private readonly SampleWorld _world = new();
    private readonly WildBackupEngine _engine = new(new EngineOptions { StorageCallTimeout = TimeSpan.FromSeconds(20) });

    public void Dispose() => _world.Dispose();

    private InstanceSelector At(GaneshaServer server, string sub, string query = "timeout=5") => _world.Selector with { Destination = server.Url(sub, query) };

    private Task<BackupInfo> Backup(InstanceSelector selector, WildBackupEngine? engine = null) =>
        (engine ?? _engine).BackupAppAsync(selector, "gitea", NullObserver.Instance, CancellationToken.None).WaitAsync(HangGuard);

    private async Task<BackupTestResult> Verify(InstanceSelector selector) =>
        (await _engine.TestBackupsAsync(selector, ["gitea"], false, null, NullObserver.Instance, CancellationToken.None).WaitAsync(HangGuard)).Single();

    private void MakeBig(int mib)
    {
        var rng = new Random(9);
        var chunk = new byte[1 << 20];
        using var fs = File.Create(Path.Combine(_world.InstancePath, "apps", "gitea", "config", "blob.bin"));
        for (var i = 0; i < mib; i++) { rng.NextBytes(chunk); fs.Write(chunk); }
    }

    [Fact]
    public async Task Server_stopped_before_a_backup_gives_the_standard_message_and_changes_nothing()
    {
        await using var g = await OwnGanesha.StartAsync();
        Directory.CreateDirectory(g.Local("nas"));
        var selector = At(g.Server, "nas");
        await g.Server.StopAsync();
        var ex = await Assert.ThrowsAsync<StorageUnreachableException>(() => Backup(selector));
        Assert.Equal("Cannot reach backup storage. Check network connection.", ex.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(g.Local("nas")));
    }

    [Fact]
    public async Task Server_stopped_in_the_middle_fails_in_time_and_after_it_returns_the_previous_backup_verifies_and_the_next_succeeds()
    {
        await using var g = await OwnGanesha.StartAsync();
        Directory.CreateDirectory(g.Local("nas"));
        var selector = At(g.Server, "nas");
        var previous = await Backup(selector);
        MakeBig(40);
        var stopped = 0;
        var engine = new WildBackupEngine(new EngineOptions
        {
            StorageCallTimeout = TimeSpan.FromSeconds(20),
            OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d))
            {
                OnStep = (_, op, path) =>
                {
                    if (op == "write" && path.EndsWith("config.tar.gz", StringComparison.Ordinal) && Interlocked.Exchange(ref stopped, 1) == 0)
                        g.Server.StopAsync().GetAwaiter().GetResult();
                },
            },
        });
        var ex = await Assert.ThrowsAnyAsync<WildBackupException>(() => Backup(selector, engine));
        Assert.Equal(WildErrorKind.Unreachable, ex.Kind);

        await g.Server.StartAgainAsync();
        var test = await Verify(selector);
        Assert.True(test.Passed, string.Join("; ", test.Problems));
        Assert.Equal(previous.CreatedAt, test.CreatedAt);
        var next = await Backup(selector); // cleans the leftovers of the interrupted one
        Assert.True(next.CreatedAt > previous.CreatedAt);
        Assert.Equal(["gitea"], Directory.EnumerateFileSystemEntries(g.Local("nas/demo-cloud/backups/apps")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Server_restarted_between_two_backups_is_transparent()
    {
        await using var g = await OwnGanesha.StartAsync();
        Directory.CreateDirectory(g.Local("nas"));
        var selector = At(g.Server, "nas");
        var first = await Backup(selector);
        await g.Server.RestartAsync();
        var second = await Backup(selector);
        Assert.True(second.CreatedAt > first.CreatedAt);
        Assert.True((await Verify(selector)).Passed);
    }

    [Fact]
    public async Task A_nearly_full_export_refuses_before_writing_and_disk_full_mid_write_keeps_the_previous_backup()
    {
        await using var server = await GaneshaServer.StartOnTmpfsAsync(sizeMiB: 4);
        Directory.CreateDirectory(Path.Combine(server.ExportDirectory, "nas"));
        var selector = At(server, "nas");
        var previous = await Backup(selector);

        MakeBig(6); // more than the export holds
        var before = await Assert.ThrowsAsync<NoSpaceException>(() => Backup(selector));
        Assert.Matches(@"^Not enough space on backup storage \(need \d+\.\d GB\)$", before.Message);

        var lying = new WildBackupEngine(new EngineOptions { OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d)) { ReportFreeBytes = 1L << 40 } });
        var during = await Assert.ThrowsAsync<NoSpaceException>(() => Backup(selector, lying));
        Assert.Matches(@"^Not enough space on backup storage \(need \d+\.\d GB\)$", during.Message);

        var test = await Verify(selector);
        Assert.True(test.Passed, string.Join("; ", test.Problems));
        Assert.Equal(previous.CreatedAt, test.CreatedAt);
    }

    [Fact]
    public async Task A_wrong_export_path_says_which_exports_there_are()
    {
        await using var g = await OwnGanesha.StartAsync();
        var selector = _world.Selector with { Destination = $"nfs://127.0.0.1:{g.Server.NfsPort}/no-such-export/nas?mountport={g.Server.MountPort}&timeout=5" };
        var ex = await Assert.ThrowsAnyAsync<WildBackupException>(() => Backup(selector));
        Assert.Equal(WildErrorKind.NotFound, ex.Kind);
        Assert.Contains("/no-such-export", ex.Message);
        Assert.Contains(g.Server.Pseudo, ex.Message);
    }

    [Fact]
    public async Task Permission_denied_on_the_export_is_said_plainly_and_nothing_is_written()
    {
        await using var g = await OwnGanesha.StartAsync();
        Directory.CreateDirectory(g.Local("nas"));
        File.SetUnixFileMode(g.Local("nas"), (UnixFileMode)0b111_101_101); // 0755, root's
        var selector = At(g.Server, "nas", "uid=12345&gid=12345&timeout=5");
        var ex = await Assert.ThrowsAnyAsync<WildBackupException>(() => Backup(selector));
        Assert.StartsWith("Permission denied on backup storage", ex.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(g.Local("nas")));
    }
}
