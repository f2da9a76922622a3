using System.Security.Cryptography;
using System.Text;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Core.Yaml;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

/// <summary>Run against a local directory (<c>AppBackupTests_Local</c>) and against nfs:// served by a real NFS-Ganesha
/// (<c>AppBackupTests_Nfs</c>): the same tests, the same expectations.</summary>
public abstract class AppBackupTests(Func<SampleWorld, (string Uri, string LocalView)>? destination = null) : DestinationTests(destination)
{
    private readonly WildBackupEngine _engine = new();


    [Fact]
    public async Task App_backup_has_the_designed_layout_and_nothing_else()
    {
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        var apps = Path.Combine(World.Destination, "demo-cloud", "backups", "apps");
        Assert.Equal(["gitea"], Directory.EnumerateFileSystemEntries(apps).Select(Path.GetFileName));
        var dir = Path.Combine(apps, "gitea");
        Assert.Equal(
            ["app-config.yaml", "app-secrets.yaml", "backup.json", "config.tar.gz", "manifest.yaml", "volumes"],
            Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir, "volumes")));
    }

    [Fact]
    public async Task Backup_json_records_every_file_with_its_real_size_and_sha256()
    {
        var info = await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        var dir = World.BackupDir("apps/gitea");
        var record = BackupRecord.Parse(File.ReadAllBytes(Path.Combine(dir, "backup.json")), dir);
        Assert.Equal(BackupKind.App, record.Kind);
        Assert.Equal("gitea", record.App);
        Assert.Equal("demo-cloud", record.Instance);
        Assert.Equal(1, record.FormatVersion);
        Assert.Equal(WildBackupEngine.ToolVersion, record.ToolVersion);
        Assert.Empty(record.Absent);
        Assert.Equal(4, record.Files.Count);
        foreach (var f in record.Files)
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, f.Name));
            Assert.Equal(bytes.Length, f.Size);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), f.Sha256);
        }
        Assert.Equal(record.Files.Sum(f => f.Size), info.Size);
        Assert.Equal(StoreFactory.Redact(World.DestinationUri).TrimEnd('/') + "/demo-cloud/backups/apps/gitea", info.Location);
        Assert.InRange(info.CreatedAt, DateTimeOffset.UtcNow.AddMinutes(-2), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task Sections_are_the_apps_own_with_comments_and_secrets_are_0600()
    {
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        var dir = World.BackupDir("apps/gitea");
        Assert.Equal("""
            domain: gitea.cloud.example.com
            storage: 10Gi
            dbHost: postgres.postgres.svc.cluster.local
            dbName: gitea  # created by the db-init job

            """, File.ReadAllText(Path.Combine(dir, "app-config.yaml")));
        var secrets = YamlDocumentText.Load(Path.Combine(dir, "app-secrets.yaml"));
        Assert.NotNull(secrets.GetScalar(["adminPassword"]));
        Assert.NotNull(secrets.GetScalar(["dbPassword"]));
        Assert.False(secrets.Contains(["password"])); // postgres's, not gitea's
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "app-secrets.yaml")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "config.tar.gz")));
        Assert.Equal(File.ReadAllText(Path.Combine(World.InstancePath, "apps", "gitea", "manifest.yaml")), File.ReadAllText(Path.Combine(dir, "manifest.yaml")));
    }

    [Fact]
    public async Task Config_archive_unpacks_with_system_tar_to_the_identical_tree()
    {
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        using var outDir = new TempDir();
        var (code, output) = SampleWorld.Run("tar", "-xzf", World.BackupDir("apps/gitea/config.tar.gz"), "-C", outDir.Path);
        Assert.True(code == 0, output);
        AssertSameTree(Path.Combine(World.InstancePath, "apps", "gitea"), outDir.Path);
    }

    [Fact]
    public async Task Second_backup_replaces_the_first_and_leaves_no_leftovers()
    {
        var first = await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        File.WriteAllText(Path.Combine(World.InstancePath, "apps", "gitea", "extra.yaml"), "kind: ConfigMap\n");
        var second = await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        Assert.NotEqual(first.Files.Single(f => f.Name == "config.tar.gz").Sha256, second.Files.Single(f => f.Name == "config.tar.gz").Sha256);
        var apps = Path.Combine(World.Destination, "demo-cloud", "backups", "apps");
        Assert.Equal(["gitea"], Directory.EnumerateFileSystemEntries(apps).Select(Path.GetFileName));
        var latest = (await _engine.GetBackupsAsync(World.Selector, null, SampleWorld.Timeout)).Single(b => b.Name == "gitea");
        Assert.Equal(second.CreatedAt, latest.CreatedAt);
    }

    [Fact]
    public async Task A_config_or_secrets_change_between_two_backups_in_one_process_is_in_the_second()
    {
        // config.yaml and secrets.yaml parses are reused across runs while their text is unchanged: never when it changed.
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        var dir = World.BackupDir("apps/gitea");
        var before = File.ReadAllText(Path.Combine(dir, "app-config.yaml"));
        var config = Path.Combine(World.InstancePath, "config.yaml");
        var secrets = Path.Combine(World.InstancePath, "secrets.yaml");
        File.WriteAllText(config, File.ReadAllText(config).Replace("gitea:\n", "gitea:\n    addedBetweenRuns: true\n"));
        File.WriteAllText(secrets, File.ReadAllText(secrets).Replace("gitea:\n", "gitea:\n    rotatedBetweenRuns: s3cr3t\n"));

        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        var after = File.ReadAllText(Path.Combine(dir, "app-config.yaml"));
        Assert.DoesNotContain("addedBetweenRuns", before);
        Assert.Contains("addedBetweenRuns: true", after);
        Assert.Contains("rotatedBetweenRuns: s3cr3t", File.ReadAllText(Path.Combine(dir, "app-secrets.yaml")));
    }

    [Fact]
    public async Task An_app_without_config_or_secrets_sections_records_them_as_absent()
    {
        var app = Path.Combine(World.InstancePath, "apps", "whoami");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "deployment.yaml"), "kind: Deployment\n");
        var observer = new RecordingObserver();
        var info = await _engine.BackupAppAsync(World.Selector, "whoami", observer, SampleWorld.Timeout);
        Assert.Equal(["manifest.yaml", "app-config.yaml", "app-secrets.yaml"], info.Absent);
        Assert.Equal(["config.tar.gz"], info.Files.Select(f => f.Name));
        Assert.Contains(observer.Events, e => e.Kind == OperationEventKind.Warning && e.Milestone.Contains("app-config.yaml recorded as absent"));
    }

    [Fact]
    public async Task Progress_passes_the_design_milestones_in_order()
    {
        var observer = new RecordingObserver();
        await _engine.BackupAppAsync(World.Selector, "gitea", observer, SampleWorld.Timeout);
        var events = observer.Progress("apps/gitea").ToList();
        var percents = events.Select(e => e.Percent).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(10, percents[0]);
        Assert.Equal("Creating snapshot", events[0].Milestone);
        Assert.Contains(events, e => e.Percent == 30 && e.Milestone == "Connecting to backup storage");
        var export = events.Where(e => e.Milestone == "Exporting data").ToList();
        Assert.Equal(50, export.First().Percent);
        Assert.Equal(90, export.Last().Percent);
        Assert.True(export.Count >= 3, "export reports progress by bytes");
        Assert.All(export, e => Assert.NotNull(e.BytesTotal));
        Assert.Contains(events, e => e.Percent == 95 && e.Milestone == "Verifying backup");
        Assert.Equal(100, events[^1].Percent);
        Assert.Equal("Cleanup and complete", events[^1].Milestone);
        Assert.True(events[^1].Completed);
    }

    [Fact]
    public async Task One_large_file_reports_progress_while_it_is_archived_not_only_when_done()
    {
        var big = Path.Combine(World.InstancePath, "apps", "gitea", "data.bin");
        File.WriteAllBytes(big, new byte[8 << 20]);
        var observer = new RecordingObserver();
        await _engine.BackupAppAsync(World.Selector, "gitea", observer, SampleWorld.Timeout);
        var inside = observer.Progress("apps/gitea")
            .Where(e => e is { Milestone: "Exporting data", Message: "config.tar.gz" } && e.BytesDone > 0 && e.BytesDone < (8 << 20))
            .Select(e => e.BytesDone).Distinct().ToList();
        Assert.True(inside.Count >= 5, $"progress inside the 8 MiB file: {string.Join(", ", inside)}");
    }

    [Fact]
    public async Task No_secret_value_appears_in_events_results_or_errors()
    {
        var observer = new RecordingObserver();
        var infos = new List<BackupInfo>();
        await foreach (var o in _engine.BackupAppsAsync(World.Selector, null, observer, SampleWorld.Timeout)) infos.Add(o.Backup!);
        infos.Add(await _engine.BackupClusterAsync(World.Selector, observer, SampleWorld.Timeout));
        var tests = await _engine.TestBackupsAsync(World.Selector, null, false, null, observer, SampleWorld.Timeout);
        var text = observer.AllText + string.Join("\n", infos.Select(i => i.ToString() + string.Join(",", i.Files))) + string.Join("\n", tests);
        foreach (var secret in World.Secrets) Assert.DoesNotContain(secret, text);
        // and in an error about a broken secrets file
        File.WriteAllText(Path.Combine(World.InstancePath, "secrets.yaml"), $"apps:\n  gitea:\n    dbPassword: {World.Secrets[0]}\n   broken: [\n");
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => _engine.BackupAppAsync(World.Selector, "gitea", observer, SampleWorld.Timeout));
        Assert.Contains("secrets.yaml is not valid YAML", ex.Message);
        Assert.DoesNotContain(World.Secrets[0], ex.ToString());
    }

    [Fact]
    public async Task A_second_backup_of_the_same_app_while_one_runs_is_refused_as_already_running()
    {
        var gate = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var engine = new WildBackupEngine(new EngineOptions
        {
            OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d))
            {
                OnStep = (_, op, path) =>
                {
                    if (op == "create" && path.EndsWith("manifest.yaml", StringComparison.Ordinal))
                    {
                        gate.TrySetResult();
                        release.Task.Wait(TimeSpan.FromMinutes(1));
                    }
                },
            },
        });
        var first = Task.Run(() => engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        await gate.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var ex = await Assert.ThrowsAsync<ConflictException>(() => _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Equal("AlreadyRunning", ex.ErrorId);
        Assert.Contains("already running", ex.Message);
        Assert.Contains(Environment.MachineName, ex.Message);
        // another app is not blocked
        await _engine.BackupAppAsync(World.Selector, "redis", NullObserver.Instance, SampleWorld.Timeout);
        release.SetResult();
        await first;
    }

    [Fact]
    public async Task A_lock_left_by_an_earlier_run_of_this_very_process_does_not_block_the_next()
    {
        // As when storage went away at the end of a run and its lock could not be removed: it names this process.
        var apps = World.BackupDir("apps");
        Directory.CreateDirectory(apps);
        var me = System.Diagnostics.Process.GetCurrentProcess();
        var now = DateTimeOffset.UtcNow;
        File.WriteAllText(Path.Combine(apps, ".gitea.lock"),
            $$"""{"Id":"finished-run","Operation":"backup_app","User":"root","Host":"{{Environment.MachineName}}","Pid":{{Environment.ProcessId}},"ProcessStartedAt":"{{me.StartTime.ToUniversalTime():O}}","AcquiredAt":"{{now:O}}","RefreshedAt":"{{now:O}}"}""");
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        Assert.False(File.Exists(Path.Combine(apps, ".gitea.lock")));
    }

    [Fact]
    public async Task A_stale_lock_from_another_host_is_taken_over_after_the_timeout()
    {
        var apps = World.BackupDir("apps");
        Directory.CreateDirectory(apps);
        var old = DateTimeOffset.UtcNow.AddHours(-1);
        File.WriteAllText(Path.Combine(apps, ".gitea.lock"), $$"""{"Id":"x","Operation":"backup_app","User":"root","Host":"other-host","Pid":1,"AcquiredAt":"{{old:O}}","RefreshedAt":"{{old:O}}"}""");
        File.SetLastWriteTimeUtc(Path.Combine(apps, ".gitea.lock"), old.UtcDateTime);
        await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        Assert.False(File.Exists(Path.Combine(apps, ".gitea.lock")));

        // a fresh lock from another host is respected
        File.WriteAllText(Path.Combine(apps, ".gitea.lock"), $$"""{"Id":"y","Operation":"backup_app","User":"ops","Host":"other-host","Pid":1,"AcquiredAt":"{{DateTimeOffset.UtcNow:O}}","RefreshedAt":"{{DateTimeOffset.UtcNow:O}}"}""");
        var ex = await Assert.ThrowsAsync<ConflictException>(() => _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Contains("ops@other-host", ex.Message);
    }

    [Fact]
    public async Task Cancellation_mid_export_removes_staging_and_keeps_the_previous_backup()
    {
        var previous = await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        using var cts = new CancellationTokenSource();
        var engine = new WildBackupEngine(new EngineOptions
        {
            OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d))
            {
                OnStep = (_, op, path) => { if (op == "write" && path.Contains("config.tar.gz", StringComparison.Ordinal)) cts.Cancel(); },
            },
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, cts.Token));
        var apps = Path.Combine(World.Destination, "demo-cloud", "backups", "apps");
        Assert.Equal(["gitea"], Directory.EnumerateFileSystemEntries(apps).Select(Path.GetFileName));
        var latest = (await _engine.GetBackupsAsync(World.Selector, null, SampleWorld.Timeout)).Single();
        Assert.Equal(previous.CreatedAt, latest.CreatedAt);
    }

    [Fact]
    public async Task Cancellation_while_the_locks_of_several_apps_are_taken_leaves_no_lock_behind()
    {
        // Locks are taken a few at a time: cancelled as the first of them goes into place, every lock taken is released
        // and no half-made lock (its temp file) is left.
        using var cts = new CancellationTokenSource();
        var lockPlaced = 0;
        var engine = new WildBackupEngine(new EngineOptions
        {
            OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d))
            {
                OnStep = (_, op, path) =>
                {
                    if (Volatile.Read(ref lockPlaced) == 1) cts.Cancel(); // the step after a lock was renamed into place
                    if (op == "rename" && path.EndsWith(".lock", StringComparison.Ordinal)) Interlocked.Exchange(ref lockPlaced, 1);
                },
            },
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in engine.BackupAppsAsync(World.Selector, null, NullObserver.Instance, cts.Token)) { }
        });
        var apps = Path.Combine(World.Destination, "demo-cloud", "backups", "apps");
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(apps).Select(Path.GetFileName), n => n!.StartsWith('.'));
    }

    [Fact]
    public async Task A_storage_call_that_hangs_fails_the_backup_as_unreachable_and_does_not_hang_it()
    {
        var previous = await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        using var release = new ManualResetEventSlim();
        var engine = new WildBackupEngine(new EngineOptions
        {
            StorageCallTimeout = TimeSpan.FromMilliseconds(400),
            OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d))
            {
                // Like a hard-mounted NFS share that stopped answering: the call blocks in the kernel.
                OnStep = (_, op, path) => { if (op == "write" && path.EndsWith("config.tar.gz", StringComparison.Ordinal)) release.Wait(TimeSpan.FromMinutes(2)); },
            },
        });
        var ex = await Assert.ThrowsAsync<StorageUnreachableException>(() => engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("Cannot reach backup storage. Check network connection.", ex.Message);
        Assert.Contains("did not answer within", ex.Detail);
        release.Set();
        // The stuck call, once released, finds its work cancelled: it cleans up (staging, lock) and publishes nothing.
        var apps = World.BackupDir("apps");
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (Directory.EnumerateFileSystemEntries(apps).Count() > 1 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(["gitea"], Directory.EnumerateFileSystemEntries(apps).Select(Path.GetFileName));
        var test = (await _engine.TestBackupsAsync(World.Selector, ["gitea"], false, null, NullObserver.Instance, SampleWorld.Timeout)).Single();
        Assert.True(test.Passed);
        Assert.Equal(previous.CreatedAt, test.CreatedAt);
    }

    [Fact]
    public async Task A_write_that_reads_back_differently_is_not_published()
    {
        var previous = await _engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        var engine = new WildBackupEngine(new EngineOptions { OpenStore = d => new BitFlippingStore(StoreFactory.OpenRaw(d), "app-config.yaml") });
        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => engine.BackupAppAsync(World.Selector, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Contains("app-config.yaml", ex.Message);
        Assert.Contains("previous backup was kept", ex.Message);
        Assert.Equal(previous.CreatedAt, (await _engine.GetBackupsAsync(World.Selector, null, SampleWorld.Timeout)).Single().CreatedAt);
    }

    [Fact]
    public async Task All_apps_go_on_when_one_fails_and_the_failure_names_the_app()
    {
        // A directory that looks like an app but whose tree cannot be read.
        var broken = Path.Combine(World.InstancePath, "apps", "broken");
        Directory.CreateDirectory(Path.Combine(broken, "secret-dir"));
        File.WriteAllText(Path.Combine(broken, "manifest.yaml"), "name: broken\n");
        var outcomes = new List<BackupOutcome>();
        var engine = new WildBackupEngine(new EngineOptions
        {
            OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d))
            {
                OnStep = (_, op, path) => { if (op == "create" && path.Contains("apps/.broken.staging", StringComparison.Ordinal) && path.EndsWith("config.tar.gz", StringComparison.Ordinal)) throw new IOException("simulated I/O error"); },
            },
        });
        await foreach (var o in engine.BackupAppsAsync(World.Selector, null, NullObserver.Instance, SampleWorld.Timeout)) outcomes.Add(o);
        Assert.Equal(["broken", "gitea", "immich", "postgres", "redis"], outcomes.Select(o => o.Name));
        Assert.Null(outcomes[0].Backup);
        Assert.Contains("simulated I/O error", outcomes[0].Error!.Message);
        Assert.Equal(4, outcomes.Count(o => o.Backup is not null));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("Gitea")]
    [InlineData("-gitea")]
    [InlineData("gitea..x")]
    public async Task Bad_app_names_are_refused_before_anything_is_touched(string name)
    {
        var engine = new WildBackupEngine(new EngineOptions { OpenStore = _ => throw new InvalidOperationException("store must not be opened") });
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => engine.BackupAppAsync(World.Selector, name, NullObserver.Instance, SampleWorld.Timeout));
        Assert.Equal("InvalidAppName", ex.ErrorId);
        Assert.Empty(Directory.EnumerateFileSystemEntries(World.Destination));
    }

    [Fact]
    public async Task An_overlong_name_is_refused()
    {
        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => _engine.BackupAppAsync(World.Selector, new string('a', 64), NullObserver.Instance, SampleWorld.Timeout));
        Assert.Contains("longer than 63", ex.Message);
    }

    [Fact]
    public async Task Unknown_app_is_not_found()
    {
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => _engine.BackupAppAsync(World.Selector, "nextcloud", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Equal("AppNotFound", ex.ErrorId);
        Assert.Contains("nextcloud", ex.Message);
    }

    internal static void AssertSameTree(string expected, string actual)
    {
        var a = Directory.EnumerateFileSystemEntries(expected, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(expected, p)).Order(StringComparer.Ordinal).ToList();
        var b = Directory.EnumerateFileSystemEntries(actual, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(actual, p)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(a, b);
        foreach (var rel in a.Where(r => File.Exists(Path.Combine(expected, r))))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, rel)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, rel))), rel);
        }
    }

    /// <summary>Flips a bit in one file as it is written, like a bad cable or disk would.</summary>
    private sealed class BitFlippingStore(IBackupStore inner, string victim) : DelegatingStore(inner)
    {
        public override async Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct)
        {
            var s = await base.CreateFileAsync(path, options, ct);
            return path.EndsWith(victim, StringComparison.Ordinal) ? new Flip(s) : s;
        }

        private sealed class Flip(Stream inner) : Stream
        {
            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() => inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count)
            {
                var copy = buffer.AsSpan(offset, count).ToArray();
                copy[0] ^= 1;
                inner.Write(copy);
            }
            public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
            {
                var copy = buffer.ToArray();
                copy[0] ^= 1;
                return inner.WriteAsync(copy, ct);
            }
            protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
            public override async ValueTask DisposeAsync() { await inner.DisposeAsync(); await base.DisposeAsync(); }
        }
    }
}

public sealed class AppBackupTests_Local() : AppBackupTests();

public sealed class AppBackupTests_Nfs(GaneshaFixture nfs) : AppBackupTests(nfs.Serve), IClassFixture<GaneshaFixture>;

/// <summary>What only a local directory destination has: a real small disk (tmpfs) and a path that is not there.
/// The NFS equivalents are in Nfs/NfsBackupFaultTests.</summary>
public sealed class LocalDestinationBackupTests : IDisposable
{
    private readonly SampleWorld _world = new();
    private readonly WildBackupEngine _engine = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task Too_little_space_is_refused_before_writing_with_the_exact_message()
    {
        using var tmpfs = TmpfsMount.Create(sizeMiB: 1);
        File.WriteAllBytes(Path.Combine(tmpfs.Path, "filler"), new byte[900 * 1024]);
        var selector = _world.Selector with { Destination = tmpfs.Path };
        var ex = await Assert.ThrowsAsync<NoSpaceException>(() => _engine.BackupAppAsync(selector, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Matches(@"^Not enough space on backup storage \(need \d+\.\d GB\)$", ex.Message);
        Assert.Equal(["filler"], Directory.EnumerateFileSystemEntries(tmpfs.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Disk_full_mid_write_keeps_the_previous_backup_intact()
    {
        using var tmpfs = TmpfsMount.Create(sizeMiB: 4);
        var selector = _world.Selector with { Destination = tmpfs.Path };
        var previous = await _engine.BackupAppAsync(selector, "gitea", NullObserver.Instance, SampleWorld.Timeout);
        // Make the next backup big enough to fill the disk, and lie about free space to get past the up-front check.
        var noise = new byte[5 * 1024 * 1024];
        new Random(3).NextBytes(noise);
        File.WriteAllBytes(Path.Combine(_world.InstancePath, "apps", "gitea", "config", "big.bin"), noise);
        var lying = new WildBackupEngine(new EngineOptions { OpenStore = d => new FaultyStore(new LocalDirectoryStore(d)) { ReportFreeBytes = 1L << 40 } });
        var ex = await Assert.ThrowsAsync<NoSpaceException>(() => lying.BackupAppAsync(selector, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Matches(@"^Not enough space on backup storage \(need \d+\.\d GB\)$", ex.Message);

        var test = (await _engine.TestBackupsAsync(selector, ["gitea"], false, null, NullObserver.Instance, SampleWorld.Timeout)).Single();
        Assert.True(test.Passed, string.Join("; ", test.Problems));
        Assert.Equal(previous.CreatedAt, test.CreatedAt);
        var apps = Path.Combine(tmpfs.Path, "demo-cloud", "backups", "apps");
        Assert.Equal(["gitea"], Directory.EnumerateFileSystemEntries(apps).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_missing_destination_is_unreachable_with_the_exact_message_and_nothing_is_created()
    {
        var selector = _world.Selector with { Destination = Path.Combine(_world.Root, "unmounted-nas") };
        var ex = await Assert.ThrowsAsync<StorageUnreachableException>(() => _engine.BackupAppAsync(selector, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Equal("Cannot reach backup storage. Check network connection.", ex.Message);
        Assert.False(Directory.Exists(Path.Combine(_world.Root, "unmounted-nas")));
    }

    [Fact]
    public async Task An_unreadable_destination_is_unreachable()
    {
        var dest = Path.Combine(_world.Root, "locked");
        Directory.CreateDirectory(dest);
        File.WriteAllText(Path.Combine(_world.Root, "not-a-dir"), "x");
        var ex = await Assert.ThrowsAsync<StorageUnreachableException>(() =>
            _engine.BackupAppAsync(_world.Selector with { Destination = Path.Combine(_world.Root, "not-a-dir") }, "gitea", NullObserver.Instance, SampleWorld.Timeout));
        Assert.Equal(StorageUnreachableException.StandardMessage, ex.Message);
    }

}
