using System.Net;
using System.Text;
using Wild.Backup.Core.Nfs.Mount;
using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.V3;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs;

/// <summary>Each MOUNT and NFS procedure against the real NFS-Ganesha server, checked against the exported directory.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class Nfs3ClientTests(GaneshaFixture ganesha) : IClassFixture<GaneshaFixture>, IAsyncLifetime
{
    private static readonly RpcTimeouts Timeouts = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5));
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token;

    private RpcClient _rpc = null!;
    private Nfs3Client _nfs = null!;
    private NfsFileHandle _dir = null!;
    private string _local = "";

    private RpcClient Connect(uint program, uint version, int port, uint uid = 0, uint gid = 0) =>
        new(new IPEndPoint(IPAddress.Loopback, port), program, version, AuthSys.Create(uid, gid), Timeouts);

    private async Task<NfsFileHandle> MountAsync(uint uid = 0)
    {
        await using var mountRpc = Connect(MountClient.Program, MountClient.Version, ganesha.Server.MountPort, uid);
        return await new MountClient(mountRpc).MountAsync(ganesha.Server.Pseudo, Ct);
    }

    public async Task InitializeAsync()
    {
        var (name, local) = ganesha.NewRoot();
        _local = local;
        _rpc = Connect(Nfs3Client.Program, Nfs3Client.Version, ganesha.Server.NfsPort);
        _nfs = new Nfs3Client(_rpc);
        var root = await MountAsync();
        _dir = (await _nfs.LookupAsync(root, name, Ct)).Handle!;
    }

    public async Task DisposeAsync() => await _rpc.DisposeAsync();

    private async Task<NfsFileHandle> NewFileAsync(string name, byte[] content)
    {
        var created = await _nfs.CreateAsync(_dir, name, CreateMode.Unchecked, new Sattr3 { Mode = 0x1A4 }, 0, Ct);
        if (content.Length > 0) await _nfs.WriteAsync(created.Handle!, 0, content, StableHow.FileSync, Ct);
        return created.Handle!;
    }

    [Fact]
    public async Task Mount_lists_exports_mounts_one_and_refuses_an_unknown_one()
    {
        await using var mountRpc = Connect(MountClient.Program, MountClient.Version, ganesha.Server.MountPort);
        var mount = new MountClient(mountRpc);
        Assert.Contains(ganesha.Server.Pseudo, await mount.ExportsAsync(Ct));
        var root = await mount.MountAsync(ganesha.Server.Pseudo, Ct);
        Assert.True((await _nfs.GetAttrAsync(root, Ct)).IsDirectory);
        // Ganesha answers MNT3ERR_ACCES (not NOENT) for a path it does not export: why NfsStore checks the export list first.
        var refused = await Assert.ThrowsAsync<MountException>(() => mount.MountAsync("/not-exported", Ct));
        Assert.Equal(MountStatus.Acces, refused.Status);
        await mount.UnmountAsync(ganesha.Server.Pseudo, Ct);
    }

    [Fact]
    public async Task Portmapper_knows_itself_and_says_zero_for_unregistered_programs()
    {
        Assert.Equal(111, await PortmapperClient.GetPortAsync(IPAddress.Loopback, PortmapperClient.Program, PortmapperClient.Version, Timeouts, Ct));
        Assert.Equal(0, await PortmapperClient.GetPortAsync(IPAddress.Loopback, 399_999, 1, Timeouts, Ct));
        // Where NFS is registered depends on which server registered last: NfsStorePortmapperTests, run alone.
    }

    [Fact]
    public async Task Null_procedure_answers() => await _nfs.NullAsync(Ct);

    [Fact]
    public async Task Create_write_commit_read_round_trip_lands_in_the_export()
    {
        var created = await _nfs.CreateAsync(_dir, "data.bin", CreateMode.Unchecked, new Sattr3 { Mode = 0x180 }, 0, Ct);
        Assert.NotNull(created.Handle);
        var data = Encoding.ASCII.GetBytes("hello over nfs, five");
        var written = await _nfs.WriteAsync(created.Handle!, 0, data, StableHow.Unstable, Ct);
        Assert.Equal((uint)data.Length, written.Count);
        Assert.Equal(written.Verifier, await _nfs.CommitAsync(created.Handle!, 0, 0, Ct));

        using (var chunk = await _nfs.ReadAsync(created.Handle!, 0, 4096, Ct))
        {
            Assert.Equal(data, chunk.Data.ToArray());
            Assert.True(chunk.Eof);
        }
        using (var tail = await _nfs.ReadAsync(created.Handle!, 6, 4, Ct))
            Assert.Equal("over"u8.ToArray(), tail.Data.ToArray());

        var local = Path.Combine(_local, "data.bin");
        Assert.Equal(data, await File.ReadAllBytesAsync(local));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(local));
    }

    [Fact]
    public async Task Setattr_truncates_and_changes_mode()
    {
        var file = await NewFileAsync("t", new byte[100]);
        var after = await _nfs.SetAttrAsync(file, new Sattr3 { Size = 10, Mode = 0x1C0 }, Ct);
        Assert.Equal(10ul, after!.Size);
        var local = Path.Combine(_local, "t");
        Assert.Equal(10, new FileInfo(local).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(local));
        var attributes = await _nfs.GetAttrAsync(file, Ct);
        Assert.Equal((Nfs3FileType.Regular, 0x1C0u, 10ul), (attributes.Type, attributes.Mode & 0xFFF, attributes.Size));
    }

    [Fact]
    public async Task Lookup_finds_what_exists_and_says_noent_otherwise()
    {
        var file = await NewFileAsync("here", [1]);
        var found = await _nfs.LookupAsync(_dir, "here", Ct);
        Assert.Equal(file, found.Handle);
        Assert.Equal(1ul, found.Attributes!.Size);
        Assert.Equal(Nfs3Status.NoEnt, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.LookupAsync(_dir, "absent", Ct))).Status);
    }

    [Fact]
    public async Task Access_reflects_the_callers_uid()
    {
        var locked = Path.Combine(_local, "private");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var handle = (await _nfs.LookupAsync(_dir, "private", Ct)).Handle!;
        var all = Nfs3Access.Read | Nfs3Access.Lookup | Nfs3Access.Modify | Nfs3Access.Extend | Nfs3Access.Delete;
        Assert.Equal(all, await _nfs.AccessAsync(handle, all, Ct) & all);

        await using var strangerRpc = Connect(Nfs3Client.Program, Nfs3Client.Version, ganesha.Server.NfsPort, uid: 12345, gid: 12345);
        var stranger = new Nfs3Client(strangerRpc);
        Assert.Equal((Nfs3Access)0, await stranger.AccessAsync(handle, all, Ct) & all);
        var denied = await Assert.ThrowsAsync<Nfs3Exception>(() => stranger.CreateAsync(handle, "x", CreateMode.Unchecked, Sattr3.None, 0, Ct));
        Assert.Equal(Nfs3Status.Acces, denied.Status);
    }

    [Fact]
    public async Task Guarded_and_exclusive_create_refuse_an_existing_name_and_exclusive_is_idempotent_for_its_verifier()
    {
        await NewFileAsync("taken", [1]);
        Assert.Equal(Nfs3Status.Exist, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.CreateAsync(_dir, "taken", CreateMode.Guarded, Sattr3.None, 0, Ct))).Status);
        Assert.Equal(Nfs3Status.Exist, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.CreateAsync(_dir, "taken", CreateMode.Exclusive, Sattr3.None, 42, Ct))).Status);

        var first = await _nfs.CreateAsync(_dir, "lock", CreateMode.Exclusive, Sattr3.None, 0x1122334455667788, Ct);
        var replay = await _nfs.CreateAsync(_dir, "lock", CreateMode.Exclusive, Sattr3.None, 0x1122334455667788, Ct); // a retransmission
        Assert.Equal(first.Handle ?? (await _nfs.LookupAsync(_dir, "lock", Ct)).Handle, replay.Handle ?? (await _nfs.LookupAsync(_dir, "lock", Ct)).Handle);
        Assert.Equal(Nfs3Status.Exist, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.CreateAsync(_dir, "lock", CreateMode.Exclusive, Sattr3.None, 7, Ct))).Status);
    }

    [Fact]
    public async Task Mkdir_rmdir_remove_rename_and_link_change_the_export()
    {
        var sub = await _nfs.MkdirAsync(_dir, "sub", new Sattr3 { Mode = 0x1ED }, Ct);
        Assert.True(Directory.Exists(Path.Combine(_local, "sub")));
        Assert.Equal(Nfs3Status.Exist, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.MkdirAsync(_dir, "sub", Sattr3.None, Ct))).Status);

        var f = await _nfs.CreateAsync(sub.Handle!, "f", CreateMode.Unchecked, Sattr3.None, 0, Ct);
        Assert.Equal(Nfs3Status.NotEmpty, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.RmdirAsync(_dir, "sub", Ct))).Status);

        await _nfs.LinkAsync(f.Handle!, _dir, "hard", Ct);
        Assert.Equal(Nfs3Status.Exist, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.LinkAsync(f.Handle!, _dir, "hard", Ct))).Status);
        Assert.Equal(2u, (await _nfs.GetAttrAsync(f.Handle!, Ct)).Nlink);

        await NewFileAsync("other", [9, 9]);
        await _nfs.RenameAsync(_dir, "other", _dir, "hard", Ct); // replaces the target file
        Assert.Equal([9, 9], await File.ReadAllBytesAsync(Path.Combine(_local, "hard")));
        Assert.False(File.Exists(Path.Combine(_local, "other")));

        await _nfs.RemoveAsync(sub.Handle!, "f", Ct);
        await _nfs.RmdirAsync(_dir, "sub", Ct);
        Assert.False(Directory.Exists(Path.Combine(_local, "sub")));
        Assert.Equal(Nfs3Status.NoEnt, (await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.RemoveAsync(_dir, "nothing", Ct))).Status);
    }

    [Fact]
    public async Task Readdirplus_pages_through_a_large_directory()
    {
        var names = Enumerable.Range(0, 300).Select(i => $"entry-with-a-fairly-long-name-{i:D4}").ToList();
        var big = Path.Combine(_local, "big");
        Directory.CreateDirectory(big);
        foreach (var n in names) await File.WriteAllBytesAsync(Path.Combine(big, n), [1, 2, 3]);
        var handle = (await _nfs.LookupAsync(_dir, "big", Ct)).Handle!;

        var seen = new List<string>();
        ulong cookie = 0, verifier = 0;
        var pages = 0;
        while (true)
        {
            var page = await _nfs.ReadDirPlusAsync(handle, cookie, verifier, 1024, 4096, Ct);
            pages++;
            foreach (var e in page.Entries.Where(e => e.Name is not "." and not ".."))
            {
                seen.Add(e.Name);
                Assert.Equal(3ul, e.Attributes!.Size);
                Assert.NotNull(e.Handle);
            }
            if (page.Entries.Count > 0) cookie = page.Entries[^1].Cookie;
            verifier = page.CookieVerifier;
            if (page.Eof) break;
        }
        Assert.True(pages > 5, $"only {pages} pages");
        Assert.Equal(names, seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Fsinfo_and_fsstat_describe_the_export()
    {
        var info = await _nfs.FsInfoAsync(_dir, Ct);
        Assert.True(info.ReadMax >= 4096 && info.WriteMax >= 4096, $"rtmax {info.ReadMax} wtmax {info.WriteMax}");
        var stat = await _nfs.FsStatAsync(_dir, Ct);
        Assert.True(stat.TotalBytes > 0);
        Assert.InRange(stat.AvailableBytes, 0ul, stat.FreeBytes);
        Assert.InRange(stat.FreeBytes, 0ul, stat.TotalBytes);
        var drive = new DriveInfo(_local);
        Assert.Equal((ulong)drive.TotalSize, stat.TotalBytes);
    }

    [Fact]
    public async Task A_removed_directory_has_a_stale_handle()
    {
        var gone = Path.Combine(_local, "gone");
        Directory.CreateDirectory(gone);
        var handle = (await _nfs.LookupAsync(_dir, "gone", Ct)).Handle!;
        Directory.Delete(gone);
        var ex = await Assert.ThrowsAsync<Nfs3Exception>(() => _nfs.GetAttrAsync(handle, Ct));
        Assert.True(ex.IsStale, ex.Message);
    }

    [Fact]
    public async Task Many_writes_and_reads_in_flight_on_one_connection_keep_their_offsets()
    {
        const int chunk = 64 * 1024, count = 32;
        var data = new byte[chunk * count];
        new Random(7).NextBytes(data);
        var file = await NewFileAsync("parallel", []);
        var writes = Enumerable.Range(0, count).Select(i => _nfs.WriteAsync(file, (ulong)(i * chunk), data.AsMemory(i * chunk, chunk), StableHow.Unstable, Ct));
        var results = await Task.WhenAll(writes);
        Assert.All(results, r => Assert.Equal((uint)chunk, r.Count));
        Assert.Single(results.Select(r => r.Verifier).Distinct());
        await _nfs.CommitAsync(file, 0, 0, Ct);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_local, "parallel")));

        var reads = await Task.WhenAll(Enumerable.Range(0, count).Select(i => _nfs.ReadAsync(file, (ulong)(i * chunk), chunk, Ct)));
        var back = reads.SelectMany(r => r.Data.ToArray()).ToArray();
        foreach (var r in reads) r.Dispose();
        Assert.Equal(data, back);
    }
}
