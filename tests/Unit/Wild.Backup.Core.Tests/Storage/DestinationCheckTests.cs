using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Storage;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DestinationCheckTests(GaneshaFixture ganesha) : IClassFixture<GaneshaFixture>
{
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    private static void AssertHealthy(DestinationCheckResult r, string local)
    {
        Assert.True(r.Ok, string.Join("; ", r.Problems.Select(p => $"{p.Step}: {p.Message} {p.Detail}")));
        Assert.True(r.Reachable);
        Assert.True(r.Writable);
        Assert.NotNull(r.RoundTrip);
        Assert.True(r.RoundTrip > TimeSpan.Zero);
        var drive = new DriveInfo(local);
        Assert.Equal(drive.TotalSize, r.TotalBytes);
        Assert.InRange(r.FreeBytes!.Value, 0, r.TotalBytes!.Value);
        Assert.Empty(Directory.EnumerateFileSystemEntries(local)); // the probe file is gone
    }

    [Fact]
    public async Task A_local_directory_is_reachable_writable_and_measured()
    {
        using var dir = new TempDir();
        var r = await DestinationCheck.RunAsync(new LocalDirectoryStore(dir.Path), Ct);
        AssertHealthy(r, dir.Path);
        Assert.Equal(dir.Path, r.Location);
    }

    [Fact]
    public async Task An_nfs_export_is_reachable_writable_and_measured()
    {
        var (store, local) = ganesha.NewStore();
        await using (store)
        {
            var r = await DestinationCheck.RunAsync(store, Ct);
            AssertHealthy(r, local);
            Assert.StartsWith("nfs://127.0.0.1:", r.Location);
            Assert.DoesNotContain("?", r.Location);
        }
    }

    [Fact]
    public async Task A_missing_local_root_is_reported_unreachable_not_thrown()
    {
        using var dir = new TempDir();
        var r = await DestinationCheck.RunAsync(new LocalDirectoryStore(Path.Combine(dir.Path, "not-mounted")), Ct);
        Assert.False(r.Reachable);
        Assert.False(r.Writable);
        Assert.Null(r.FreeBytes);
        var p = Assert.Single(r.Problems);
        Assert.Equal((DestinationCheckStep.Reach, WildErrorKind.Unreachable), (p.Step, p.Kind));
        Assert.Equal(StorageUnreachableException.StandardMessage, p.Message);
    }

    [Fact]
    public async Task A_stopped_nfs_server_is_reported_unreachable_not_thrown()
    {
        await using var store = new NfsStore(DeadEnds.UnreachableUrl());
        var r = await DestinationCheck.RunAsync(store, Ct);
        Assert.False(r.Reachable);
        var p = Assert.Single(r.Problems);
        Assert.Equal(StorageUnreachableException.StandardMessage, p.Message);
        Assert.Contains("127.0.0.1", p.Detail);
    }

    [Fact]
    public async Task An_nfs_export_the_uid_cannot_write_is_reachable_but_not_writable()
    {
        var (name, local) = ganesha.NewRoot();
        File.SetUnixFileMode(local, (UnixFileMode)0b111_101_101);
        await using var store = new NfsStore(ganesha.Server.Url(name, "uid=12345&gid=12345&timeout=10"));
        var r = await DestinationCheck.RunAsync(store, Ct);
        Assert.True(r.Reachable);
        Assert.NotNull(r.FreeBytes);
        Assert.False(r.Writable);
        var p = Assert.Single(r.Problems);
        Assert.Equal((DestinationCheckStep.Write, NfsErrors.PermissionDeniedId), (p.Step, p.ErrorId));
        Assert.Empty(Directory.EnumerateFileSystemEntries(local));
    }

    [Fact]
    public async Task A_full_destination_is_reported_with_the_space_error()
    {
        using var tmpfs = TmpfsMount.Create(sizeMiB: 1);
        await File.WriteAllBytesAsync(Path.Combine(tmpfs.Path, "filler"), new byte[1024 * 1024 - 16 * 1024]);
        var r = await DestinationCheck.RunAsync(new LocalDirectoryStore(tmpfs.Path), Ct);
        Assert.True(r.Reachable);
        Assert.False(r.Writable);
        var p = Assert.Single(r.Problems);
        Assert.Equal((DestinationCheckStep.Write, WildErrorKind.NoSpace), (p.Step, p.Kind));
        Assert.Equal(["filler"], Directory.EnumerateFileSystemEntries(tmpfs.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Data_that_reads_back_differently_is_caught_and_the_probe_removed()
    {
        using var dir = new TempDir();
        var r = await DestinationCheck.RunAsync(new BitFlippingStore(new LocalDirectoryStore(dir.Path)), Ct);
        Assert.False(r.Writable);
        var p = Assert.Single(r.Problems);
        Assert.Equal((DestinationCheckStep.ReadBack, WildErrorKind.Corrupt), (p.Step, p.Kind));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task A_read_only_check_skips_the_probe_file()
    {
        using var dir = new TempDir();
        var r = await DestinationCheck.RunAsync(new LocalDirectoryStore(dir.Path), new DestinationCheckOptions { ProbeBytes = 0 }, Ct);
        Assert.True(r.Ok);
        Assert.False(r.Writable);
    }

    [Fact]
    public async Task Cancellation_is_thrown_not_reported()
    {
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DestinationCheck.RunAsync(new LocalDirectoryStore(dir.Path), cts.Token));
    }

    /// <summary>A store whose reads come back with one bit flipped.</summary>
    private sealed class BitFlippingStore(IBackupStore inner) : DelegatingStore(inner)
    {
        public override async Task<Stream> OpenReadAsync(string path, CancellationToken ct)
        {
            await using var s = await Inner.OpenReadAsync(path, ct);
            var ms = new MemoryStream();
            await s.CopyToAsync(ms, ct);
            ms.GetBuffer()[0] ^= 1;
            ms.Position = 0;
            return ms;
        }
    }
}
