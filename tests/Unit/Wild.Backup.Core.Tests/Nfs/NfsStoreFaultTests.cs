using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Wild.Backup.Simulator.Nfs;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs;

/// <summary>
/// What a person sees when the NFS server misbehaves, on a real server of the test's own: stopped, stopped mid-write,
/// hung, restarted, full, wrong export, permission denied. Waits are bounded so a hang fails the test instead of
/// stalling the run (generous bounds: these guard against hangs, they are not performance checks).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NfsStoreFaultTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(90);
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    private static async Task<T> Unreachable<T>(Func<Task> call) where T : Exception
    {
        var ex = await Assert.ThrowsAsync<T>(() => call().WaitAsync(HangGuard));
        return ex;
    }

    private static async Task AssertStandardUnreachable(Func<Task> call)
    {
        var ex = await Unreachable<StorageUnreachableException>(call);
        Assert.Equal("Cannot reach backup storage. Check network connection.", ex.Message);
        Assert.Contains("127.0.0.1", ex.Detail);
    }

    private static async Task WriteFileAsync(IBackupStore store, string path, byte[] data)
    {
        await using (var s = await store.CreateFileAsync(path, CreateOptions.Default, Ct))
            await s.WriteAsync(data, Ct);
        await store.FlushAsync(Ct);
    }

    private static byte[] Random(int size, int seed)
    {
        var b = new byte[size];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public async Task Server_stopped_before_use_gives_the_standard_message_and_changes_nothing()
    {
        await using var g = await OwnGanesha.StartAsync();
        Directory.CreateDirectory(g.Local("backups", "app"));
        await File.WriteAllBytesAsync(g.Local("backups", "app", "previous.tar"), Random(1000, 1));
        var before = g.Snapshot();
        await g.Server.StopAsync();

        await using var store = g.Store("backups");
        await AssertStandardUnreachable(() => store.ProbeAsync(Ct));
        await AssertStandardUnreachable(() => store.ListAsync("app", Ct));
        await AssertStandardUnreachable(() => store.CreateDirectoryAsync("app2", Ct));
        await AssertStandardUnreachable(() => store.CreateFileAsync("app/new.tar", CreateOptions.Default, Ct));
        await AssertStandardUnreachable(() => store.DeleteDirectoryAsync("app", Ct));
        await AssertStandardUnreachable(() => store.RenameAsync("app", "gone", false, Ct));
        await AssertStandardUnreachable(() => store.GetSpaceAsync(Ct));
        Assert.Equal(before, g.Snapshot());
    }

    [Fact]
    public async Task Server_stopped_in_the_middle_of_a_large_write_fails_within_the_timeout()
    {
        await using var g = await OwnGanesha.StartAsync();
        await using var store = g.Store(query: "timeout=3");
        var previous = Random(3 * 1024 * 1024, 2);
        await WriteFileAsync(store, "previous.bin", previous);

        var chunk = Random(1024 * 1024, 3);
        var ex = await Assert.ThrowsAnyAsync<WildBackupException>(async () =>
        {
            await using var s = await store.CreateFileAsync("big.bin", CreateOptions.Default, Ct);
            for (var i = 0; ; i++)
            {
                await s.WriteAsync(chunk, Ct);
                if (i == 16) _ = g.Server.StopAsync();
            }
        }).WaitAsync(HangGuard);
        Assert.IsType<StorageUnreachableException>(ex);
        Assert.Equal(StorageUnreachableException.StandardMessage, ex.Message);

        await g.Server.StartAgainAsync();
        Assert.Equal(previous, await File.ReadAllBytesAsync(g.Local("previous.bin")));
        await WriteFileAsync(store, "next.bin", chunk); // the same store carries on once the server is back
        Assert.Equal(chunk, await File.ReadAllBytesAsync(g.Local("next.bin")));
    }

    [Fact]
    public async Task A_hung_server_fails_a_write_within_the_timeout()
    {
        await using var g = await OwnGanesha.StartAsync();
        await using var store = g.Store(query: "timeout=2");
        await store.ProbeAsync(Ct);
        var chunk = Random(1024 * 1024, 4);
        try
        {
            var ex = await Assert.ThrowsAsync<StorageUnreachableException>(async () =>
            {
                await using var s = await store.CreateFileAsync("hung.bin", CreateOptions.Default, Ct);
                await s.WriteAsync(chunk, Ct);
                g.Server.Pause();
                for (var i = 0; i < 1000; i++) await s.WriteAsync(chunk, Ct);
            }).WaitAsync(HangGuard);
            Assert.Contains("no reply", ex.Detail);
        }
        finally
        {
            g.Server.Resume();
        }
        await store.ProbeAsync(Ct); // answers again once the server does
    }

    [Fact]
    public async Task Server_restarted_between_two_operations_is_transparent()
    {
        await using var g = await OwnGanesha.StartAsync();
        await using var store = g.Store();
        await store.CreateDirectoryAsync("apps/one", Ct);
        var first = Random(2 * 1024 * 1024 + 5, 5);
        await WriteFileAsync(store, "apps/one/first.bin", first);

        await g.Server.RestartAsync();

        Assert.Equal(first.Length, (await store.StatAsync("apps/one/first.bin", Ct))!.Length);
        await using (var r = await store.OpenReadAsync("apps/one/first.bin", Ct))
        {
            using var ms = new MemoryStream();
            await r.CopyToAsync(ms, Ct);
            Assert.Equal(first, ms.ToArray());
        }
        var second = Random(100_000, 6);
        await WriteFileAsync(store, "apps/one/second.bin", second);
        await store.RenameAsync("apps/one", "apps/two", overwrite: false, Ct);
        Assert.Equal(["first.bin", "second.bin"], (await store.ListAsync("apps/two", Ct)).Select(e => e.Name).Order());
        Assert.Equal(second, await File.ReadAllBytesAsync(g.Local("apps", "two", "second.bin")));
    }

    [Fact]
    public async Task Unstable_data_not_committed_before_a_server_restart_is_reported_lost()
    {
        // Ganesha's write verifier is its start time in seconds: a restart spanning a second boundary tells clients that
        // unstable writes may be gone (they are not, on its VFS backend, but no client can know that). The pause makes the
        // boundary certain.
        await using var g = await OwnGanesha.StartAsync();
        await using var store = g.Store();
        await using (var s = await store.CreateFileAsync("unstable.bin", CreateOptions.Default, Ct))
            await s.WriteAsync(Random(200_000, 7), Ct);
        await g.Server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await g.Server.StartAgainAsync();

        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => store.FlushAsync(Ct));
        Assert.Equal(NfsErrors.DataLostId, ex.ErrorId);
        Assert.Contains("unstable.bin", ex.Detail);
        await store.FlushAsync(Ct); // reported once; nothing is left pending
    }

    [Fact]
    public async Task A_nearly_full_export_refuses_a_file_of_known_size_before_writing()
    {
        await using var g = await OwnGanesha.StartOnTmpfsAsync(sizeMiB: 8);
        await using var store = g.Store();
        var space = await store.GetSpaceAsync(Ct);
        Assert.Equal(8L * 1024 * 1024, space.TotalBytes);

        var ex = await Assert.ThrowsAsync<NoSpaceException>(() =>
            store.CreateFileAsync("huge.tar", new CreateOptions { ExpectedLength = 300_000_000 }, Ct));
        Assert.Equal("Not enough space on backup storage (need 0.3 GB)", ex.Message);
        Assert.Equal(300_000_000, ex.NeededBytes);
        Assert.False(File.Exists(g.Local("huge.tar")));
    }

    [Fact]
    public async Task Disk_full_in_the_middle_of_a_write_is_no_space_and_the_previous_file_is_intact()
    {
        await using var g = await OwnGanesha.StartOnTmpfsAsync(sizeMiB: 8);
        await using var store = g.Store();
        var previous = Random(2 * 1024 * 1024, 8);
        await WriteFileAsync(store, "previous.bin", previous);

        var ex = await Assert.ThrowsAsync<NoSpaceException>(async () =>
        {
            await using var s = await store.CreateFileAsync("too-big.bin", CreateOptions.Default, Ct);
            var chunk = Random(1024 * 1024, 9);
            for (var i = 0; i < 16; i++) await s.WriteAsync(chunk, Ct);
        }).WaitAsync(HangGuard);
        Assert.StartsWith("Not enough space on backup storage (need ", ex.Message);
        Assert.Contains("NOSPC", ex.Detail);
        Assert.Equal(previous, await File.ReadAllBytesAsync(g.Local("previous.bin")));
        await store.DeleteFileAsync("too-big.bin", Ct);
        await WriteFileAsync(store, "small.bin", [1, 2, 3]); // space is back, so is writing
    }

    [Fact]
    public async Task A_wrong_export_path_says_which_exports_there_are()
    {
        await using var g = await OwnGanesha.StartAsync();
        await using var store = new NfsStore($"nfs://127.0.0.1:{g.Server.NfsPort}/wrong/place?mountport={g.Server.MountPort}&timeout=5");
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => store.ProbeAsync(Ct));
        Assert.Equal(NfsErrors.ExportNotFoundId, ex.ErrorId);
        Assert.Equal("The NFS server 127.0.0.1 does not export '/wrong/place'. It exports: /export. Check the path in the destination URL.", ex.Message);
    }

    [Fact]
    public async Task A_missing_directory_inside_the_export_is_unreachable_like_an_unmounted_share()
    {
        await using var g = await OwnGanesha.StartAsync();
        await using var store = g.Store("not/created");
        var ex = await Assert.ThrowsAsync<StorageUnreachableException>(() => store.ListAsync("", Ct));
        Assert.Contains("'/export/not' does not exist", ex.Detail);
        Assert.False(Directory.Exists(g.Local("not")));
    }

    [Fact]
    public async Task A_uid_without_write_permission_gets_permission_denied()
    {
        await using var g = await OwnGanesha.StartAsync();
        Directory.CreateDirectory(g.Local("owned-by-root"));
        File.SetUnixFileMode(g.Local("owned-by-root"), (UnixFileMode)0b111_101_101); // 0755, root's
        await using var store = g.Store("owned-by-root", "uid=12345&gid=12345&timeout=5");
        await store.ProbeAsync(Ct); // reading is allowed
        var ex = await Assert.ThrowsAsync<WildBackupException>(() => store.CreateFileAsync("x", CreateOptions.Default, Ct));
        Assert.Equal(NfsErrors.PermissionDeniedId, ex.ErrorId);
        Assert.StartsWith("Permission denied on backup storage ", ex.Message);
        Assert.Contains("uid 12345, gid 12345", ex.Message);
        Assert.Contains("ACCES", ex.Detail);

        File.SetUnixFileMode(g.Local("owned-by-root"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // 0700
        var probe = await Assert.ThrowsAsync<WildBackupException>(() => store.ProbeAsync(Ct));
        Assert.Equal(NfsErrors.PermissionDeniedId, probe.ErrorId);
    }

    [Fact]
    public async Task Root_squash_turns_root_into_nobody_and_writing_is_denied()
    {
        await using var g = await OwnGanesha.StartAsync(o => o with { Squash = GaneshaSquash.Root });
        File.SetUnixFileMode(g.ExportDirectory, (UnixFileMode)0b111_101_101);
        await using var store = g.Store(query: "uid=0&gid=0&timeout=5");
        var ex = await Assert.ThrowsAsync<WildBackupException>(() => store.CreateDirectoryAsync("d", Ct));
        Assert.Equal(NfsErrors.PermissionDeniedId, ex.ErrorId);
        Assert.False(Directory.Exists(g.Local("d")));
    }

    [Fact]
    public async Task A_client_the_export_does_not_allow_is_refused_at_mount()
    {
        await using var g = await OwnGanesha.StartAsync(o => o with { AllowedClients = ["192.0.2.10"] });
        await using var store = g.Store();
        var ex = await Assert.ThrowsAsync<WildBackupException>(() => store.ProbeAsync(Ct));
        Assert.Equal(NfsErrors.MountRefusedId, ex.ErrorId);
        Assert.Contains("refused to let this machine mount '/export' (permission denied)", ex.Message);
    }

    [Fact]
    public async Task A_secure_export_accepts_a_reserved_source_port_and_refuses_others_saying_why()
    {
        await using var g = await OwnGanesha.StartAsync(o => o with { PrivilegedPortsOnly = true });
        await using (var store = g.Store()) // running as root: connects from a port below 1024
            await WriteFileAsync(store, "ok.bin", [1]);
        Assert.Equal([1], await File.ReadAllBytesAsync(g.Local("ok.bin")));

        await using var unprivileged = g.Store(options: new NfsStoreOptions { UseReservedPort = false });
        var ex = await Assert.ThrowsAnyAsync<WildBackupException>(() => unprivileged.ProbeAsync(Ct));
        Assert.Contains("'insecure'", ex.Message);
    }

    [Fact]
    public async Task Stale_handles_are_resolved_again_from_the_path()
    {
        await using var g = await OwnGanesha.StartAsync();
        Directory.CreateDirectory(g.Local("root"));
        await using var store = g.Store("root");
        await store.CreateDirectoryAsync("d", Ct);
        await WriteFileAsync(store, "d/old", [1]);
        Assert.Single(await store.ListAsync("d", Ct)); // the store now holds a handle for d

        // Behind the store's back: d, and then the store's root itself, are replaced by new directories.
        Directory.Delete(g.Local("root", "d"), recursive: true);
        Directory.CreateDirectory(g.Local("root", "d"));
        await File.WriteAllBytesAsync(g.Local("root", "d", "new"), [2]);
        Assert.Equal(["new"], (await store.ListAsync("d", Ct)).Select(e => e.Name));

        Directory.Delete(g.Local("root"), recursive: true);
        Directory.CreateDirectory(g.Local("root", "d"));
        await WriteFileAsync(store, "d/after", [3]);
        Assert.Equal([3], await File.ReadAllBytesAsync(g.Local("root", "d", "after")));
    }

    [Fact]
    public async Task Cancelling_in_the_middle_of_a_transfer_stops_it_and_the_store_carries_on()
    {
        await using var g = await OwnGanesha.StartAsync();
        await using var store = g.Store();
        using var cts = new CancellationTokenSource();
        var chunk = Random(1024 * 1024, 10);
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await using var s = await store.CreateFileAsync("cancelled.bin", CreateOptions.Default, Ct);
            for (var i = 0; ; i++)
            {
                if (i == 8) cts.Cancel();
                await s.WriteAsync(chunk, cts.Token);
            }
        }).WaitAsync(HangGuard);
        Assert.True(cts.IsCancellationRequested);

        await WriteFileAsync(store, "cancelled.bin", [4, 2]);
        await using (var r = await store.OpenReadAsync("cancelled.bin", Ct))
        {
            using var readCts = new CancellationTokenSource();
            readCts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await r.ReadExactlyAsync(new byte[2], readCts.Token));
        }
        Assert.Equal([4, 2], await File.ReadAllBytesAsync(g.Local("cancelled.bin")));
    }
}
