using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Storage;

/// <summary>The conformance suite on a local directory, through the Linux calls (<c>systemCalls</c>) or with them switched
/// off: the path the store takes on other systems, kept honest here.</summary>
public abstract class LocalDirectoryStoreConformanceBase(bool systemCalls) : StoreConformanceTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override Task<IBackupStore> CreateStoreAsync() => Task.FromResult<IBackupStore>(new LocalDirectoryStore(_dir.Path, systemCalls));

    protected override Task<IBackupStore> CreateUnreachableStoreAsync() =>
        Task.FromResult<IBackupStore>(new LocalDirectoryStore(System.IO.Path.Combine(_dir.Path, "not-mounted"), systemCalls));

    protected override byte[]? ReadBehindTheStore(string path) => File.ReadAllBytes(System.IO.Path.Combine(_dir.Path, path));
    protected override long? AllocatedBehindTheStore(string path) => Wild.Backup.Core.Tests.Support.FileAllocation.Of(System.IO.Path.Combine(_dir.Path, path));

    public void Dispose() => _dir.Dispose();
}

public sealed class LocalDirectoryStoreConformance() : LocalDirectoryStoreConformanceBase(systemCalls: true);

public sealed class LocalDirectoryStorePortableConformance() : LocalDirectoryStoreConformanceBase(systemCalls: false);

public sealed class LocalDirectoryStoreTests
{
    [Fact]
    public async Task Deleting_a_directory_removes_links_in_it_never_what_they_point_to()
    {
        // A backup directory is removed with everything in it. A link inside (planted, or a restore gone wrong) must go
        // as a link: the tree it points to — here a stand-in for the instance's own files — stays whole.
        using var dir = new TempDir();
        var precious = dir.Combine("precious");
        Directory.CreateDirectory(Path.Combine(precious, "sub"));
        File.WriteAllText(Path.Combine(precious, "sub", "keep.yaml"), "keep: true\n");
        var root = dir.Combine("nas");
        Directory.CreateDirectory(Path.Combine(root, "old", "nested"));
        File.WriteAllText(Path.Combine(root, "old", "nested", "file"), "x");
        File.CreateSymbolicLink(Path.Combine(root, "old", "to-dir"), precious);
        File.CreateSymbolicLink(Path.Combine(root, "old", "nested", "to-file"), Path.Combine(precious, "sub", "keep.yaml"));
        await using var store = new LocalDirectoryStore(root);

        await store.DeleteDirectoryAsync("old", CancellationToken.None);

        Assert.False(Directory.Exists(Path.Combine(root, "old")));
        Assert.Equal("keep: true\n", File.ReadAllText(Path.Combine(precious, "sub", "keep.yaml")));
        // A link where the directory was is refused, not followed.
        File.CreateSymbolicLink(Path.Combine(root, "link"), precious);
        await Assert.ThrowsAsync<ConflictException>(() => store.DeleteDirectoryAsync("link", CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(precious, "sub", "keep.yaml")));
    }

    [Fact]
    public async Task A_full_file_system_raises_no_space_with_the_exact_message()
    {
        using var tmpfs = TmpfsMount.Create(sizeMiB: 2);
        await using var store = new LocalDirectoryStore(tmpfs.Path);
        var ex = await Assert.ThrowsAsync<NoSpaceException>(async () =>
        {
            await using var s = await store.CreateFileAsync("fill", CreateOptions.Default, CancellationToken.None);
            await s.WriteAsync(new byte[4 * 1024 * 1024]);
        });
        Assert.StartsWith("Not enough space on backup storage (need ", ex.Message);
    }

    [Fact]
    public async Task Space_matches_the_file_system()
    {
        using var tmpfs = TmpfsMount.Create(sizeMiB: 8);
        await using var store = new LocalDirectoryStore(tmpfs.Path);
        var space = await store.GetSpaceAsync(CancellationToken.None);
        Assert.Equal(8L * 1024 * 1024, space.TotalBytes);
        Assert.InRange(space.FreeBytes, 7L * 1024 * 1024, 8L * 1024 * 1024);
    }
}
