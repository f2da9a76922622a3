using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Wild.Backup.Core.Nfs.Mount;
using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.V3;

namespace Wild.Backup.Core.Nfs;

/// <summary>
/// The client side of one <c>nfs://</c> destination: finds the server (DNS, portmapper), mounts the export lazily on first
/// use, resolves store paths to file handles (directories are cached; a stale handle drops the cache and paths are
/// resolved again from the root), and remembers which files hold unstable writes until they are committed.
/// </summary>
internal sealed class NfsSession : IAsyncDisposable
{
    private readonly NfsUrl _url;
    private readonly NfsStoreOptions _options;
    private readonly RpcCredential _credential;
    private readonly RpcClient _rpc;
    private readonly SemaphoreSlim _mountLock = new(1, 1);
    private readonly ConcurrentDictionary<string, NfsFileHandle> _directories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<NfsFileHandle, Uncommitted> _uncommitted = new();
    private volatile MountState? _mount;

    public NfsSession(NfsUrl url, NfsStoreOptions options)
    {
        _url = url;
        _options = options;
        (Uid, Gid) = options.EffectiveIds();
        _credential = AuthSys.Create(Uid, Gid, options.EffectiveGroups());
        _rpc = new RpcClient(ResolveNfsEndpointAsync, Nfs3Client.Program, Nfs3Client.Version, _credential, options.RpcTimeouts);
        Nfs = new Nfs3Client(_rpc);
    }

    public Nfs3Client Nfs { get; }
    public uint Uid { get; }
    public uint Gid { get; }
    public NfsUrl Url => _url;

    /// <summary>The mounted export, its root and the directory below it that is the store's root.</summary>
    public sealed record MountState(string ExportPath, NfsFileHandle ExportRoot, NfsFileHandle StoreRoot, FsInfo Info, int ReadSize, int WriteSize);

    /// <summary>A file with unstable writes: the verifier they were written under, for COMMIT to check.</summary>
    public sealed record Uncommitted(string Path, ulong Verifier);

    public async Task<MountState> MountAsync(CancellationToken ct)
    {
        if (_mount is { } m) return m;
        await _mountLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return _mount ??= await MountCoreAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _mountLock.Release();
        }
    }

    /// <summary>Forgets every cached handle (and the mount), so the next call resolves everything from the export again.</summary>
    public void ForgetHandles()
    {
        _directories.Clear();
        _mount = null;
    }

    /// <summary>Forgets the cached handle of a directory and everything below it (after it was renamed or removed).</summary>
    public void Forget(string path)
    {
        _directories.TryRemove(path, out _);
        var prefix = path + "/";
        foreach (var key in _directories.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)) _directories.TryRemove(key, out _);
        }
    }

    /// <summary>The handle of directory <paramref name="path"/> ("" is the store root). Throws Nfs3Exception NOENT/NOTDIR when it is missing or not a directory.</summary>
    public async Task<NfsFileHandle> DirectoryAsync(string path, CancellationToken ct)
    {
        var mount = await MountAsync(ct).ConfigureAwait(false);
        if (path.Length == 0) return mount.StoreRoot;
        if (_directories.TryGetValue(path, out var cached)) return cached;
        var parent = await DirectoryAsync(Storage.StorePath.GetParent(path)!, ct).ConfigureAwait(false);
        var found = await Nfs.LookupAsync(parent, Storage.StorePath.GetName(path), ct).ConfigureAwait(false);
        var attributes = found.Attributes ?? await Nfs.GetAttrAsync(found.Handle!, ct).ConfigureAwait(false);
        if (!attributes.IsDirectory) throw new Nfs3Exception("LOOKUP", Nfs3Status.NotDir);
        _directories[path] = found.Handle!;
        return found.Handle!;
    }

    /// <summary>Remembers a directory handle just created or listed.</summary>
    public void RememberDirectory(string path, NfsFileHandle handle)
    {
        if (path.Length > 0) _directories[path] = handle;
    }

    /// <summary>The handle and attributes at <paramref name="path"/>, or null when it (or a parent) does not exist.</summary>
    public async Task<(NfsFileHandle Handle, Fattr3 Attributes)?> LookupAsync(string path, CancellationToken ct)
    {
        var mount = await MountAsync(ct).ConfigureAwait(false);
        if (path.Length == 0) return (mount.StoreRoot, await Nfs.GetAttrAsync(mount.StoreRoot, ct).ConfigureAwait(false));
        NfsFileHandle parent;
        try
        {
            parent = await DirectoryAsync(Storage.StorePath.GetParent(path)!, ct).ConfigureAwait(false);
        }
        catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.NoEnt or Nfs3Status.NotDir)
        {
            return null;
        }
        try
        {
            var found = await Nfs.LookupAsync(parent, Storage.StorePath.GetName(path), ct).ConfigureAwait(false);
            var attributes = found.Attributes ?? await Nfs.GetAttrAsync(found.Handle!, ct).ConfigureAwait(false);
            if (attributes.IsDirectory) RememberDirectory(path, found.Handle!);
            return (found.Handle!, attributes);
        }
        catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.NoEnt or Nfs3Status.NotDir)
        {
            await ThrowIfGoneAsync(parent, ct).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// "Not found" inside a directory is only true if that directory is still the one at its path. A cached handle of a
    /// directory removed (or replaced) under us may still answer, as an unlinked directory; then the path must be
    /// resolved again: this throws STALE so the store's retry does that.
    /// </summary>
    private async Task ThrowIfGoneAsync(NfsFileHandle directory, CancellationToken ct)
    {
        var attributes = await Nfs.GetAttrAsync(directory, ct).ConfigureAwait(false); // STALE propagates
        if (attributes.Nlink == 0 || !attributes.IsDirectory) throw new Nfs3Exception("GETATTR", Nfs3Status.Stale);
    }

    public void AddUncommitted(NfsFileHandle file, Uncommitted state) => _uncommitted[file] = state;

    /// <summary>Takes every file waiting for COMMIT (the caller puts back those it could not commit).</summary>
    public List<(NfsFileHandle File, Uncommitted State)> TakeUncommitted()
    {
        var taken = new List<(NfsFileHandle, Uncommitted)>();
        foreach (var key in _uncommitted.Keys)
        {
            if (_uncommitted.TryRemove(key, out var state)) taken.Add((key, state));
        }
        return taken;
    }

    public void ReturnUncommitted(NfsFileHandle file, Uncommitted state) => _uncommitted.TryAdd(file, state);

    private async Task<MountState> MountCoreAsync(CancellationToken ct)
    {
        await using var mountRpc = new RpcClient(ResolveMountEndpointAsync, MountClient.Program, MountClient.Version, _credential, _options.RpcTimeouts);
        var mount = new MountClient(mountRpc);
        var (export, rest) = await ChooseExportAsync(mount, ct).ConfigureAwait(false);
        var exportRoot = await mount.MountAsync(export, ct).ConfigureAwait(false);
        var root = exportRoot;
        var walked = export;
        foreach (var segment in rest)
        {
            walked = walked.TrimEnd('/') + "/" + segment;
            try
            {
                var found = await Nfs.LookupAsync(root, segment, ct).ConfigureAwait(false);
                var attributes = found.Attributes ?? await Nfs.GetAttrAsync(found.Handle!, ct).ConfigureAwait(false);
                if (!attributes.IsDirectory) throw new StoreRootMissingException($"'{walked}' on {_url.Host} is not a directory");
                root = found.Handle!;
            }
            catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.NoEnt or Nfs3Status.NotDir)
            {
                throw new StoreRootMissingException($"'{walked}' does not exist on {_url.Host} (export '{export}')");
            }
        }
        var info = await Nfs.FsInfoAsync(root, ct).ConfigureAwait(false);
        var readSize = TransferSize(info.ReadMax, info.ReadPreferred);
        var writeSize = TransferSize(info.WriteMax, info.WritePreferred);
        return new MountState(export, exportRoot, root, info, readSize, writeSize);
    }

    private int TransferSize(uint max, uint preferred)
    {
        var size = (long)_options.MaxTransferSize;
        if (max > 0) size = Math.Min(size, max);
        else if (preferred > 0) size = Math.Min(size, preferred);
        size = Math.Max(4096, size & ~4095L); // whole pages
        return (int)size;
    }

    /// <summary>
    /// Splits the URL path into an export and the directories below it: the longest exported path that is a prefix.
    /// When the server lists no exports (or will not list them), the whole path is tried as the export.
    /// </summary>
    private async Task<(string Export, string[] Below)> ChooseExportAsync(MountClient mount, CancellationToken ct)
    {
        IReadOnlyList<string> exports;
        try
        {
            exports = await mount.ExportsAsync(ct).ConfigureAwait(false);
        }
        catch (RpcAcceptException)
        {
            return (_url.Path, []);
        }
        // A server may list nothing to a client it will not serve (Ganesha does): then MNT answers for itself.
        if (exports.Count == 0) return (_url.Path, []);
        string? best = null;
        foreach (var raw in exports)
        {
            var e = raw.Length > 1 ? raw.TrimEnd('/') : raw;
            var matches = e == "/" || _url.Path == e || _url.Path.StartsWith(e + "/", StringComparison.Ordinal);
            if (matches && (best is null || e.Length > best.Length)) best = e;
        }
        if (best is null) throw new ExportNotFoundException(_url.Path, exports);
        var rest = _url.Path[best.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        return (best, rest);
    }

    private ValueTask<IPEndPoint> ResolveNfsEndpointAsync(CancellationToken ct) => ResolveAsync(_url.NfsPort, Nfs3Client.Program, Nfs3Client.Version, "NFS", ct);

    private ValueTask<IPEndPoint> ResolveMountEndpointAsync(CancellationToken ct) => ResolveAsync(_url.MountPort, MountClient.Program, MountClient.Version, "MOUNT", ct);

    private async ValueTask<IPEndPoint> ResolveAsync(int? port, uint program, uint version, string what, CancellationToken ct)
    {
        var address = await ResolveHostAsync(ct).ConfigureAwait(false);
        if (port is { } p) return new IPEndPoint(address, p);
        int found;
        try
        {
            found = await PortmapperClient.GetPortAsync(address, program, version, _options.RpcTimeouts, ct).ConfigureAwait(false);
        }
        catch (RpcTransportException ex)
        {
            throw new RpcTransportException($"portmapper on {_url.Host} not reachable ({ex.Message}); give the ports in the URL (nfs://host:port/export?mountport=N) if it has none", connectFailed: true, requestSent: false, ex);
        }
        if (found == 0) throw new RpcTransportException($"{what} version {version} is not registered with the portmapper on {_url.Host}", connectFailed: true, requestSent: false);
        return new IPEndPoint(address, found);
    }

    private async ValueTask<IPAddress> ResolveHostAsync(CancellationToken ct)
    {
        if (IPAddress.TryParse(_url.Host, out var ip)) return ip;
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(_url.Host, ct).ConfigureAwait(false);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? addresses.FirstOrDefault()
                ?? throw new RpcTransportException($"'{_url.Host}' has no address", connectFailed: true, requestSent: false);
        }
        catch (SocketException ex)
        {
            throw new RpcTransportException($"cannot resolve '{_url.Host}': {ex.SocketErrorCode}", connectFailed: true, requestSent: false, ex);
        }
    }

    /// <summary>Tells the server we unmount (best effort, a few seconds at most) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_mount is { } m)
        {
            try
            {
                var quick = _options.RpcTimeouts with { Call = TimeSpan.FromSeconds(Math.Min(3, _options.Timeout.TotalSeconds)), Connect = TimeSpan.FromSeconds(Math.Min(3, _options.ConnectTimeout.TotalSeconds)) };
                await using var mountRpc = new RpcClient(ResolveMountEndpointAsync, MountClient.Program, MountClient.Version, _credential, quick);
                await new MountClient(mountRpc).UnmountAsync(m.ExportPath, CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // UMNT is bookkeeping on the server; nothing depends on it.
            }
        }
        await _rpc.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>No export on the server covers the URL's path.</summary>
internal sealed class ExportNotFoundException(string path, IReadOnlyList<string> exports)
    : IOException($"no export covers '{path}'")
{
    public string RequestedPath { get; } = path;
    public IReadOnlyList<string> Exports { get; } = exports;
}

/// <summary>The export mounted but the directory the URL names inside it is missing or not a directory.</summary>
internal sealed class StoreRootMissingException(string message) : IOException(message);
