using System.Security.Cryptography;
using System.Text;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;
using Xunit;

namespace Wild.Backup.Core.Tests.Storage;

/// <summary>
/// The contract every <see cref="IBackupStore"/> keeps (see its XML docs). Each implementation derives a class
/// from this one and supplies a fresh, empty store per test; the same assertions then run against it.
/// </summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    protected IBackupStore Store { get; private set; } = null!;

    /// <summary>A fresh, empty, reachable store.</summary>
    protected abstract Task<IBackupStore> CreateStoreAsync();

    /// <summary>A store whose root cannot be reached (missing directory, stopped server, …).</summary>
    protected abstract Task<IBackupStore> CreateUnreachableStoreAsync();

    /// <summary>Reads a file's bytes behind the store's back (the local directory, the NFS export directory), or null when
    /// the implementation has no such view. Used to prove data really landed where the store says.</summary>
    protected virtual byte[]? ReadBehindTheStore(string path) => null;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();
    public async Task DisposeAsync() => await Store.DisposeAsync();

    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;

    protected async Task WriteAsync(string path, byte[] data, CreateOptions? options = null)
    {
        await using var s = await Store.CreateFileAsync(path, options ?? CreateOptions.Default, Ct);
        await s.WriteAsync(data, Ct);
    }

    protected async Task<byte[]> ReadAsync(string path)
    {
        await using var s = await Store.OpenReadAsync(path, Ct);
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms, Ct);
        return ms.ToArray();
    }

    [Fact]
    public async Task Probe_succeeds_on_a_reachable_store() => await Store.ProbeAsync(Ct);

    [Fact]
    public async Task Written_file_reads_back_and_stats_its_length()
    {
        var data = Encoding.UTF8.GetBytes("hello, backup\n");
        await WriteAsync("a.txt", data);
        Assert.Equal(data, await ReadAsync("a.txt"));
        var e = await Store.StatAsync("a.txt", Ct);
        Assert.NotNull(e);
        Assert.False(e!.IsDirectory);
        Assert.Equal(data.Length, e.Length);
        Assert.Equal("a.txt", e.Name);
        Assert.InRange(e.LastWriteTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        if (ReadBehindTheStore("a.txt") is { } behind) Assert.Equal(data, behind);
    }

    /// <summary>Where the implementation can tell, the bytes a file takes on disk (st_blocks × 512), else null.</summary>
    protected virtual long? AllocatedBehindTheStore(string path) => null;

    [Fact]
    public async Task A_skipped_range_reads_as_zeros_and_stays_a_hole()
    {
        var head = Encoding.UTF8.GetBytes("head");
        var tail = new byte[70_000];
        new Random(7).NextBytes(tail);
        const int hole = 8 * 1024 * 1024;
        await using (var s = await Store.CreateFileAsync("sparse.img", CreateOptions.Default, Ct))
        {
            await s.WriteAsync(head, Ct);
            var sparse = Assert.IsAssignableFrom<ISparseWriteStream>(s);
            await sparse.SkipAsync(hole, Ct);
            await s.WriteAsync(tail, Ct);
        }
        var back = await ReadAsync("sparse.img");
        Assert.Equal(head.Length + hole + tail.Length, back.Length);
        Assert.Equal(head, back[..head.Length]);
        Assert.True(back.AsSpan(head.Length, hole).IndexOfAnyExcept((byte)0) < 0, "the hole reads as zeros");
        Assert.Equal(tail, back[(head.Length + hole)..]);
        if (AllocatedBehindTheStore("sparse.img") is { } allocated) Assert.True(allocated < hole, $"{allocated} bytes allocated for an {hole}-byte hole");
    }

    [Fact]
    public async Task Large_file_round_trips_byte_for_byte()
    {
        var data = new byte[9 * 1024 * 1024 + 123];
        new Random(42).NextBytes(data);
        await Store.CreateDirectoryAsync("big", Ct);
        await using (var s = await Store.CreateFileAsync("big/blob.bin", CreateOptions.Default, Ct))
        {
            // odd-sized writes, as a compressor produces them
            for (var off = 0; off < data.Length;)
            {
                var n = Math.Min(70_001, data.Length - off);
                await s.WriteAsync(data.AsMemory(off, n), Ct);
                off += n;
            }
        }
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadAsync("big/blob.bin")));
        Assert.Equal(data.Length, (await Store.StatAsync("big/blob.bin", Ct))!.Length);
        if (ReadBehindTheStore("big/blob.bin") is { } behind) Assert.Equal(SHA256.HashData(data), SHA256.HashData(behind));
    }

    [Fact]
    public async Task Empty_file_round_trips()
    {
        await WriteAsync("empty", []);
        Assert.Empty(await ReadAsync("empty"));
        Assert.Equal(0, (await Store.StatAsync("empty", Ct))!.Length);
    }

    [Fact]
    public async Task Stat_of_absent_path_is_null()
    {
        Assert.Null(await Store.StatAsync("nope", Ct));
        Assert.Null(await Store.StatAsync("no/such/dir/file", Ct));
    }

    [Fact]
    public async Task Listing_a_missing_directory_is_not_found_never_empty()
    {
        var ex = await Assert.ThrowsAsync<NotFoundException>(() => Store.ListAsync("missing", Ct));
        Assert.Contains("missing", ex.Message);
    }

    [Fact]
    public async Task Listing_shows_files_and_directories_with_their_paths()
    {
        await Store.CreateDirectoryAsync("d/sub", Ct);
        await WriteAsync("d/one", [1]);
        await WriteAsync("d/two", [1, 2]);
        var list = (await Store.ListAsync("d", Ct)).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["one", "sub", "two"], list.Select(e => e.Name));
        Assert.Equal(["d/one", "d/sub", "d/two"], list.Select(e => e.Path));
        Assert.True(list[1].IsDirectory);
        Assert.Equal(2, list[2].Length);
        Assert.Empty(await Store.ListAsync("d/sub", Ct));
        Assert.Contains(await Store.ListAsync("", Ct), e => e.Name == "d" && e.IsDirectory);
    }

    [Fact]
    public async Task CreateDirectory_makes_parents_and_is_idempotent()
    {
        await Store.CreateDirectoryAsync("x/y/z", Ct);
        await Store.CreateDirectoryAsync("x/y/z", Ct);
        Assert.True((await Store.StatAsync("x/y", Ct))!.IsDirectory);
        Assert.True((await Store.StatAsync("x/y/z", Ct))!.IsDirectory);
    }

    [Fact]
    public async Task CreateDirectory_over_a_file_is_a_conflict()
    {
        await WriteAsync("f", [1]);
        await Assert.ThrowsAsync<ConflictException>(() => Store.CreateDirectoryAsync("f", Ct));
    }

    [Fact]
    public async Task Creating_a_file_without_its_parent_is_not_found()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => Store.CreateFileAsync("nodir/f", CreateOptions.Default, Ct));
    }

    [Fact]
    public async Task Exclusive_create_of_an_existing_file_is_a_conflict_and_leaves_it_alone()
    {
        await WriteAsync("lock", [7, 7, 7]);
        await Assert.ThrowsAsync<ConflictException>(() => Store.CreateFileAsync("lock", CreateOptions.ExclusiveNew, Ct));
        Assert.Equal([7, 7, 7], await ReadAsync("lock"));
    }

    [Fact]
    public async Task Exclusive_create_has_exactly_one_winner_under_a_race()
    {
        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await using var s = await Store.CreateFileAsync("race", CreateOptions.ExclusiveNew, Ct);
                await s.WriteAsync(new[] { (byte)i }, Ct);
                return true;
            }
            catch (ConflictException)
            {
                return false;
            }
        }).ToArray();
        var results = await Task.WhenAll(attempts);
        Assert.Single(results, r => r);
        Assert.Single(await ReadAsync("race"));
    }

    [Fact]
    public async Task Non_exclusive_create_truncates_an_existing_file()
    {
        await WriteAsync("t", new byte[1000]);
        await WriteAsync("t", [1, 2, 3]);
        Assert.Equal([1, 2, 3], await ReadAsync("t"));
    }

    [Fact]
    public async Task Create_mode_is_applied()
    {
        await WriteAsync("secret.yaml", [1], new CreateOptions { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        var e = await Store.StatAsync("secret.yaml", Ct);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, e!.Mode);
    }

    [Fact]
    public async Task Opening_an_absent_file_is_not_found()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => Store.OpenReadAsync("ghost", Ct));
    }

    [Fact]
    public async Task Rename_file_without_overwrite_refuses_an_existing_target()
    {
        await WriteAsync("a", [1]);
        await WriteAsync("b", [2]);
        await Assert.ThrowsAsync<ConflictException>(() => Store.RenameAsync("a", "b", overwrite: false, Ct));
        Assert.Equal([1], await ReadAsync("a"));
        Assert.Equal([2], await ReadAsync("b"));
    }

    [Fact]
    public async Task Renames_racing_for_one_name_without_overwrite_have_exactly_one_winner()
    {
        // Destination locks rest on this: of several contenders renaming their file onto one name, one wins and the
        // others are refused — never two winners, the later silently replacing the earlier.
        const int contenders = 4;
        for (var round = 0; round < 150; round++)
        {
            var target = $"race-{round}";
            for (var i = 0; i < contenders; i++) await WriteAsync($"{target}.{i}.tmp", [(byte)i]);
            using var start = new Barrier(contenders);
            var attempts = Enumerable.Range(0, contenders).Select(i => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait(Ct);
                try
                {
                    Store.RenameAsync($"{target}.{i}.tmp", target, overwrite: false, Ct).GetAwaiter().GetResult();
                    return i;
                }
                catch (ConflictException)
                {
                    return -1;
                }
            }, Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            var winners = (await Task.WhenAll(attempts)).Where(i => i >= 0).ToList();
            var winner = Assert.Single(winners);
            Assert.Equal([(byte)winner], await ReadAsync(target));
            Assert.Null(await Store.StatAsync($"{target}.{winner}.tmp", Ct));
        }
    }

    [Fact]
    public async Task Rename_file_with_overwrite_replaces_the_target()
    {
        await WriteAsync("new.tmp", [9, 9]);
        await WriteAsync("current", [1]);
        await Store.RenameAsync("new.tmp", "current", overwrite: true, Ct);
        Assert.Equal([9, 9], await ReadAsync("current"));
        Assert.Null(await Store.StatAsync("new.tmp", Ct));
    }

    [Fact]
    public async Task Rename_directory_moves_its_contents()
    {
        await Store.CreateDirectoryAsync("stage/inner", Ct);
        await WriteAsync("stage/inner/f", [5]);
        await Store.CreateDirectoryAsync("apps", Ct);
        await Store.RenameAsync("stage", "apps/live", overwrite: false, Ct);
        Assert.Null(await Store.StatAsync("stage", Ct));
        Assert.Equal([5], await ReadAsync("apps/live/inner/f"));
    }

    [Fact]
    public async Task Rename_directory_onto_an_existing_directory_is_a_conflict()
    {
        await Store.CreateDirectoryAsync("one", Ct);
        await Store.CreateDirectoryAsync("two", Ct); // empty: POSIX rename would succeed, the contract says no
        await WriteAsync("one/f", [1]);
        await Assert.ThrowsAsync<ConflictException>(() => Store.RenameAsync("one", "two", overwrite: false, Ct));
        Assert.Equal([1], await ReadAsync("one/f"));
    }

    [Fact]
    public async Task Rename_of_absent_source_is_not_found()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => Store.RenameAsync("absent", "x", overwrite: false, Ct));
    }

    [Fact]
    public async Task Delete_file_and_directory_are_idempotent()
    {
        await Store.CreateDirectoryAsync("gone/deep/er", Ct);
        await WriteAsync("gone/deep/er/f", [1]);
        await WriteAsync("gone/g", [1]);
        await Store.DeleteFileAsync("gone/g", Ct);
        await Store.DeleteFileAsync("gone/g", Ct);
        Assert.Null(await Store.StatAsync("gone/g", Ct));
        await Store.DeleteDirectoryAsync("gone", Ct);
        await Store.DeleteDirectoryAsync("gone", Ct);
        Assert.Null(await Store.StatAsync("gone", Ct));
    }

    [Fact]
    public async Task Deleting_the_root_is_refused()
    {
        await WriteAsync("keep", [1]);
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.DeleteDirectoryAsync("", Ct));
        Assert.NotNull(await Store.StatAsync("keep", Ct));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/abs")]
    [InlineData("a/../../b")]
    [InlineData("a//b")]
    [InlineData("a\\b")]
    public async Task Paths_that_leave_the_root_are_refused(string path)
    {
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.StatAsync(path, Ct));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.CreateFileAsync(path, CreateOptions.Default, Ct));
        await Assert.ThrowsAsync<InvalidInputException>(() => Store.DeleteDirectoryAsync(path, Ct));
    }

    [Fact]
    public async Task Space_is_reported()
    {
        var space = await Store.GetSpaceAsync(Ct);
        Assert.True(space.TotalBytes > 0);
        Assert.InRange(space.FreeBytes, 0, space.TotalBytes);
    }

    [Fact]
    public async Task Flush_succeeds_after_writes_renames_and_deletes()
    {
        await Store.CreateDirectoryAsync("f1", Ct);
        await WriteAsync("f1/x", [1]);
        await Store.RenameAsync("f1/x", "f1/y", overwrite: false, Ct);
        await Store.DeleteFileAsync("f1/y", Ct);
        await Store.FlushAsync(Ct);
        await Store.FlushAsync(Ct);
    }

    [Fact]
    public async Task Cancelled_calls_throw_and_change_nothing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.CreateDirectoryAsync("c", cts.Token));
        Assert.Null(await Store.StatAsync("c", Ct));
    }

    [Fact]
    public async Task Unreachable_store_says_so_on_every_call()
    {
        await using var dead = await CreateUnreachableStoreAsync();
        await AssertUnreachable(() => dead.ProbeAsync(Ct));
        await AssertUnreachable(() => dead.StatAsync("x", Ct));
        await AssertUnreachable(() => dead.ListAsync("", Ct));
        await AssertUnreachable(() => dead.CreateDirectoryAsync("x", Ct));
        await AssertUnreachable(() => dead.CreateFileAsync("x", CreateOptions.Default, Ct));
        await AssertUnreachable(() => dead.OpenReadAsync("x", Ct));
        await AssertUnreachable(() => dead.GetSpaceAsync(Ct));
    }

    private static async Task AssertUnreachable(Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<StorageUnreachableException>(call);
        Assert.Equal("Cannot reach backup storage. Check network connection.", ex.Message);
    }
}
