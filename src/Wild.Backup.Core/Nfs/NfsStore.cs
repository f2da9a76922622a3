using System.Security.Cryptography;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Nfs.V3;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Nfs;

/// <summary>
/// A backup store on an NFS version 3 export, spoken to directly (no mount, no root, no kernel client):
/// <c>nfs://host[:port]/export/path[?uid=…&amp;gid=…&amp;mountport=…&amp;timeout=…]</c>. It keeps the guarantees of
/// <see cref="LocalDirectoryStore"/>: the root directory must exist; exclusive create is atomic (CREATE EXCLUSIVE);
/// renames are atomic, and a rename without overwrite never replaces a file (hard link, then remove); written data
/// reaches stable storage on <see cref="FlushAsync"/> (COMMIT, checked against the write verifier).
/// </summary>
public sealed class NfsStore : IBackupStore
{
    private const uint DefaultFileMode = 0b110_100_100; // 0644
    private const uint DirectoryMode = 0b111_101_101; // 0755
    private const int ParallelRemovals = 8;

    private readonly NfsSession _session;
    private readonly NfsErrors _errors;
    private readonly NfsStoreOptions _options;

    public NfsStore(NfsUrl url, NfsStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        _options = (options ?? NfsStoreOptions.Default).With(url);
        _options.Validate();
        Url = url;
        _session = new NfsSession(url, _options);
        _errors = new NfsErrors(url, _session.Uid, _session.Gid);
    }

    public NfsStore(string url, NfsStoreOptions? options = null)
        : this(NfsUrl.Parse(url), options)
    {
    }

    public NfsUrl Url { get; }

    /// <summary>The options in force (URL query applied).</summary>
    public NfsStoreOptions Options => _options;

    public string Location => Url.Display;

    public Task ProbeAsync(CancellationToken ct) => Run(null, async c =>
    {
        var mount = await _session.MountAsync(c).ConfigureAwait(false);
        var wanted = Nfs3Access.Read | Nfs3Access.Lookup;
        var granted = await _session.Nfs.AccessAsync(mount.StoreRoot, wanted, c).ConfigureAwait(false);
        if ((granted & wanted) != wanted) throw _errors.PermissionDenied("cannot list the root", null);
        await _session.Nfs.ReadDirPlusAsync(mount.StoreRoot, 0, 0, 1024, 8192, c).ConfigureAwait(false);
        return true;
    }, ct);

    public Task<StoreEntry?> StatAsync(string path, CancellationToken ct)
    {
        var rel = StorePath.Normalize(path);
        return Run(rel, async c =>
        {
            var found = await _session.LookupAsync(rel, c).ConfigureAwait(false);
            return found is { } f ? ToEntry(rel, f.Attributes) : null;
        }, ct);
    }

    public Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct)
    {
        var rel = StorePath.Normalize(directory);
        return Run(rel, async c =>
        {
            var handle = await ExistingDirectoryAsync(rel, c).ConfigureAwait(false);
            var list = new List<StoreEntry>();
            foreach (var e in await ReadWholeDirectoryAsync(handle, c).ConfigureAwait(false))
            {
                var childPath = rel.Length == 0 ? e.Name : rel + "/" + e.Name;
                var attributes = e.Attributes;
                if (attributes is null)
                {
                    attributes = e.Handle is { } h
                        ? await _session.Nfs.GetAttrAsync(h, c).ConfigureAwait(false)
                        : (await _session.LookupAsync(childPath, c).ConfigureAwait(false))?.Attributes;
                    if (attributes is null) continue; // removed while we listed
                }
                if (attributes.IsDirectory && e.Handle is { } dh) _session.RememberDirectory(childPath, dh);
                list.Add(ToEntry(childPath, attributes));
            }
            return (IReadOnlyList<StoreEntry>)list;
        }, ct);
    }

    public Task CreateDirectoryAsync(string path, CancellationToken ct)
    {
        var rel = StorePath.Normalize(path);
        return Run(rel, async c =>
        {
            var handle = (await _session.MountAsync(c).ConfigureAwait(false)).StoreRoot;
            var current = "";
            foreach (var segment in rel.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                current = current.Length == 0 ? segment : current + "/" + segment;
                handle = await EnsureDirectoryAsync(handle, current, segment, c).ConfigureAwait(false);
            }
            return true;
        }, ct);
    }

    public Task<Stream> OpenReadAsync(string path, CancellationToken ct)
    {
        var rel = StorePath.Normalize(path);
        return Run(rel, async c =>
        {
            var found = await _session.LookupAsync(rel, c).ConfigureAwait(false) ?? throw NotFound(rel);
            if (found.Attributes.IsDirectory)
                throw new ConflictException("PathIsDirectory", $"'{rel}' in backup storage is a directory, not a file.") { Target = rel };
            var mount = await _session.MountAsync(c).ConfigureAwait(false);
            return (Stream)new NfsReadStream(_session.Nfs, found.Handle, rel, _errors, mount.ReadSize, _options.RequestsInFlight, (long)found.Attributes.Size);
        }, ct);
    }

    public Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rel = StorePath.Normalize(path);
        return Run(rel, async c =>
        {
            if (rel.Length == 0) throw IsDirectory(rel);
            var mount = await _session.MountAsync(c).ConfigureAwait(false);
            var directory = await ExistingDirectoryAsync(StorePath.GetParent(rel)!, c).ConfigureAwait(false);
            if (options.ExpectedLength is > 0 and var needed)
            {
                var space = await _session.Nfs.FsStatAsync(mount.StoreRoot, c).ConfigureAwait(false);
                if ((ulong)needed > space.AvailableBytes)
                    throw new NoSpaceException(needed, $"{Location}: {space.AvailableBytes} bytes free, '{rel}' needs {needed}");
            }
            var name = StorePath.GetName(rel);
            var mode = options.Mode is { } m ? (uint)m : DefaultFileMode;
            var file = options.Exclusive
                ? await CreateExclusiveAsync(directory, rel, name, mode, c).ConfigureAwait(false)
                : await CreateOrTruncateAsync(directory, rel, name, mode, c).ConfigureAwait(false);
            return (Stream)new NfsWriteStream(_session, file, rel, _errors, mount.WriteSize, _options.RequestsInFlight, options.ExpectedLength);
        }, ct, neededBytes: options.ExpectedLength ?? 0);
    }

    public Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct)
    {
        var relFrom = StorePath.Normalize(from);
        var relTo = StorePath.Normalize(to);
        return Run(relFrom, async c =>
        {
            if (relFrom.Length == 0 || relTo.Length == 0) throw new InvalidInputException("InvalidStorePath", "The root of backup storage cannot be renamed or replaced.");
            var source = await _session.LookupAsync(relFrom, c).ConfigureAwait(false) ?? throw NotFound(relFrom);
            var fromDir = await ExistingDirectoryAsync(StorePath.GetParent(relFrom)!, c).ConfigureAwait(false);
            var toDir = await ExistingDirectoryAsync(StorePath.GetParent(relTo)!, c).ConfigureAwait(false);
            var fromName = StorePath.GetName(relFrom);
            var toName = StorePath.GetName(relTo);
            if (relFrom == relTo) return true;
            var target = await _session.LookupAsync(relTo, c).ConfigureAwait(false);
            if (source.Attributes.IsDirectory)
            {
                // The contract never lets a directory replace anything; NFS would replace an empty directory.
                if (target is not null) throw Conflict(relTo);
                try
                {
                    await _session.Nfs.RenameAsync(fromDir, fromName, toDir, toName, c).ConfigureAwait(false);
                }
                catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.Exist or Nfs3Status.NotEmpty or Nfs3Status.NotDir or Nfs3Status.IsDir)
                {
                    throw Conflict(relTo);
                }
                _session.Forget(relFrom);
            }
            else if (target is { Attributes.IsDirectory: true })
            {
                throw Conflict(relTo);
            }
            else if (overwrite)
            {
                await _session.Nfs.RenameAsync(fromDir, fromName, toDir, toName, c).ConfigureAwait(false);
            }
            else
            {
                if (target is not null) throw Conflict(relTo);
                await RenameNoReplaceAsync(source.Handle, fromDir, fromName, toDir, toName, relTo, c).ConfigureAwait(false);
            }
            _session.Forget(relTo);
            return true;
        }, ct);
    }

    public Task DeleteFileAsync(string path, CancellationToken ct)
    {
        var rel = StorePath.Normalize(path);
        return Run(rel, async c =>
        {
            var found = await _session.LookupAsync(rel, c).ConfigureAwait(false);
            if (found is null) return true;
            if (found.Value.Attributes.IsDirectory)
                throw new ConflictException("PathIsDirectory", $"'{rel}' in backup storage is a directory, not a file.") { Target = rel };
            var directory = await _session.DirectoryAsync(StorePath.GetParent(rel)!, c).ConfigureAwait(false);
            await RemoveFileAsync(directory, StorePath.GetName(rel), c).ConfigureAwait(false);
            return true;
        }, ct);
    }

    public Task DeleteDirectoryAsync(string path, CancellationToken ct)
    {
        var rel = StorePath.Normalize(path);
        if (rel.Length == 0) throw new InvalidInputException("InvalidStorePath", "Refusing to delete the root of backup storage.");
        return Run(rel, async c =>
        {
            var found = await _session.LookupAsync(rel, c).ConfigureAwait(false);
            if (found is null) return true;
            if (!found.Value.Attributes.IsDirectory)
                throw new ConflictException("PathIsFile", $"'{rel}' in backup storage is a file, not a directory.") { Target = rel };
            var parent = await _session.DirectoryAsync(StorePath.GetParent(rel)!, c).ConfigureAwait(false);
            await RemoveTreeAsync(parent, StorePath.GetName(rel), found.Value.Handle, c).ConfigureAwait(false);
            _session.Forget(rel);
            return true;
        }, ct);
    }

    public Task<StoreSpace> GetSpaceAsync(CancellationToken ct) => Run(null, async c =>
    {
        var mount = await _session.MountAsync(c).ConfigureAwait(false);
        var s = await _session.Nfs.FsStatAsync(mount.StoreRoot, c).ConfigureAwait(false);
        return new StoreSpace(Clamp(s.TotalBytes), Clamp(s.AvailableBytes));
    }, ct);

    /// <summary>COMMITs every file written since the last flush and checks each against the verifier of its writes: a
    /// changed verifier means the server restarted and may have lost them (<see cref="CorruptBackupException"/>, write again).
    /// Namespace changes (create, rename, remove) are already stable: NFSv3 servers commit them before replying.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var pending = _session.TakeUncommitted();
        if (pending.Count == 0) return;
        var lost = new List<string>();
        Exception? failure = null;
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = ParallelRemovals, CancellationToken = CancellationToken.None }, async (p, _) =>
        {
            try
            {
                var verifier = await _session.Nfs.CommitAsync(p.File, 0, 0, ct).ConfigureAwait(false);
                if (verifier != p.State.Verifier)
                {
                    lock (lost) lost.Add(p.State.Path);
                }
            }
            catch (Nfs3Exception ex) when (ex.IsStale || ex.Status == Nfs3Status.NoEnt)
            {
                // removed since it was written: nothing left to make durable
            }
            catch (Exception ex)
            {
                _session.ReturnUncommitted(p.File, p.State);
                Interlocked.CompareExchange(ref failure, ex, null);
            }
        }).ConfigureAwait(false);
        if (failure is not null)
        {
            if (failure is OperationCanceledException) ct.ThrowIfCancellationRequested();
            throw _errors.Wrap(failure);
        }
        if (lost.Count > 0)
        {
            throw new CorruptBackupException(NfsErrors.DataLostId,
                "Data written to backup storage was lost: the NFS server restarted before saving it. Run the operation again.",
                $"{Location}: write verifier changed before COMMIT for {string.Join(", ", lost.Take(10))}{(lost.Count > 10 ? $" and {lost.Count - 10} more" : "")}");
        }
    }

    public ValueTask DisposeAsync() => _session.DisposeAsync();

    // ---- helpers -------------------------------------------------------------------------------------------------

    /// <summary>Runs a store call: typed errors out, and one more try from fresh handles after a stale handle.</summary>
    private async Task<T> Run<T>(string? path, Func<CancellationToken, Task<T>> op, CancellationToken ct, long neededBytes = 0)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            try
            {
                return await op(ct).ConfigureAwait(false);
            }
            catch (Nfs3Exception ex) when (ex.IsStale || ex.Status == Nfs3Status.NoEnt)
            {
                // Expected NOENTs are answered inside the operations; one that escapes means a cached handle went bad
                // (some servers say NOENT rather than STALE for a directory replaced under them). Resolve afresh, once.
                _session.ForgetHandles();
                return await op(ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (_errors.Map(ex, path, neededBytes) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>The handle of an existing directory; NotFoundException when it is missing or not a directory.</summary>
    private async Task<NfsFileHandle> ExistingDirectoryAsync(string rel, CancellationToken ct)
    {
        try
        {
            return await _session.DirectoryAsync(rel, ct).ConfigureAwait(false);
        }
        catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.NoEnt or Nfs3Status.NotDir)
        {
            throw NotFound(rel);
        }
    }

    private async Task<NfsFileHandle> EnsureDirectoryAsync(NfsFileHandle parent, string rel, string name, CancellationToken ct)
    {
        var found = await _session.LookupAsync(rel, ct).ConfigureAwait(false);
        if (found is { } f)
        {
            if (!f.Attributes.IsDirectory) throw PathIsFile(rel);
            return f.Handle;
        }
        try
        {
            var made = await _session.Nfs.MkdirAsync(parent, name, new Sattr3 { Mode = DirectoryMode }, ct).ConfigureAwait(false);
            if (made.Handle is { } h)
            {
                _session.RememberDirectory(rel, h);
                return h;
            }
        }
        catch (Nfs3Exception ex) when (ex.Status == Nfs3Status.Exist)
        {
            // made meanwhile by someone else (or by our own first attempt before a reconnect)
        }
        var again = await _session.LookupAsync(rel, ct).ConfigureAwait(false) ?? throw new IOException($"'{rel}' vanished right after it was created");
        if (!again.Attributes.IsDirectory) throw PathIsFile(rel);
        return again.Handle;
    }

    private async Task<NfsFileHandle> CreateExclusiveAsync(NfsFileHandle directory, string rel, string name, uint mode, CancellationToken ct)
    {
        var verifier = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        HandleAndAttributes created;
        try
        {
            created = await _session.Nfs.CreateAsync(directory, name, CreateMode.Exclusive, Sattr3.None, verifier, ct).ConfigureAwait(false);
        }
        catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.Exist or Nfs3Status.IsDir)
        {
            throw Conflict(rel);
        }
        var handle = created.Handle ?? (await _session.LookupAsync(rel, ct).ConfigureAwait(false))?.Handle
            ?? throw new IOException($"'{rel}' vanished right after it was created");
        // Exclusive create keeps the verifier in the times and cannot set attributes: set the mode, and the times back to now.
        try
        {
            await _session.Nfs.SetAttrAsync(handle, new Sattr3 { Mode = mode, TimesToServerNow = true }, ct).ConfigureAwait(false);
        }
        catch
        {
            // The caller will not get this file, so it must not stay behind as a lock nobody holds.
            await TryRemoveAsync(directory, name).ConfigureAwait(false);
            throw;
        }
        return handle;
    }

    private async Task<NfsFileHandle> CreateOrTruncateAsync(NfsFileHandle directory, string rel, string name, uint mode, CancellationToken ct)
    {
        HandleAndAttributes created;
        try
        {
            created = await _session.Nfs.CreateAsync(directory, name, CreateMode.Unchecked, new Sattr3 { Mode = mode, Size = 0 }, 0, ct).ConfigureAwait(false);
        }
        catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.Exist or Nfs3Status.IsDir)
        {
            throw IsDirectory(rel);
        }
        var handle = created.Handle;
        var attributes = created.Attributes;
        if (handle is null || attributes is null)
        {
            var found = await _session.LookupAsync(rel, ct).ConfigureAwait(false) ?? throw new IOException($"'{rel}' vanished right after it was created");
            (handle, attributes) = (found.Handle, found.Attributes);
        }
        if (attributes.IsDirectory) throw IsDirectory(rel);
        if (attributes.Size != 0 || (attributes.Mode & 0xFFF) != mode)
        {
            // An existing file: UNCHECKED may keep its old size or mode. Make it empty with the mode asked for.
            await _session.Nfs.SetAttrAsync(handle, new Sattr3 { Mode = mode, Size = 0 }, ct).ConfigureAwait(false);
        }
        return handle;
    }

    /// <summary>Renames a file only if the target name is free: a hard link fails atomically when the name exists, then the
    /// old name is removed. Servers without hard links get a plain RENAME after the check the caller made.</summary>
    private async Task RenameNoReplaceAsync(NfsFileHandle file, NfsFileHandle fromDir, string fromName, NfsFileHandle toDir, string toName, string relTo, CancellationToken ct)
    {
        var mount = await _session.MountAsync(ct).ConfigureAwait(false);
        if (mount.Info.SupportsHardLinks)
        {
            try
            {
                await _session.Nfs.LinkAsync(file, toDir, toName, ct).ConfigureAwait(false);
                await RemoveFileAsync(fromDir, fromName, ct).ConfigureAwait(false);
                return;
            }
            catch (Nfs3Exception ex) when (ex.Status == Nfs3Status.Exist)
            {
                throw Conflict(relTo);
            }
            catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.NotSupp or Nfs3Status.XDev or Nfs3Status.MLink or Nfs3Status.Perm)
            {
                // no hard links here after all: fall through to RENAME
            }
        }
        await _session.Nfs.RenameAsync(fromDir, fromName, toDir, toName, ct).ConfigureAwait(false);
    }

    private async Task TryRemoveAsync(NfsFileHandle directory, string name)
    {
        try
        {
            using var cts = new CancellationTokenSource(_options.Timeout);
            await RemoveFileAsync(directory, name, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // best effort; the original failure is what the caller hears about
        }
    }

    private async Task RemoveFileAsync(NfsFileHandle directory, string name, CancellationToken ct)
    {
        try
        {
            await _session.Nfs.RemoveAsync(directory, name, ct).ConfigureAwait(false);
        }
        catch (Nfs3Exception ex) when (ex.Status == Nfs3Status.NoEnt)
        {
            // already gone (or our own first attempt went through before a reconnect)
        }
    }

    /// <summary>Removes a directory tree: files in parallel, subdirectories depth first, then the directory itself.</summary>
    private async Task RemoveTreeAsync(NfsFileHandle parent, string name, NfsFileHandle directory, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var entries = await ReadWholeDirectoryAsync(directory, ct).ConfigureAwait(false);
            var files = new List<string>();
            foreach (var e in entries)
            {
                var attributes = e.Attributes ?? (e.Handle is { } h ? await _session.Nfs.GetAttrAsync(h, ct).ConfigureAwait(false) : null);
                if (attributes is { IsDirectory: true })
                {
                    var child = e.Handle ?? (await _session.Nfs.LookupAsync(directory, e.Name, ct).ConfigureAwait(false)).Handle!;
                    await RemoveTreeAsync(directory, e.Name, child, ct).ConfigureAwait(false);
                }
                else
                {
                    files.Add(e.Name);
                }
            }
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = ParallelRemovals, CancellationToken = ct },
                async (file, c) => await RemoveFileAsync(directory, file, c).ConfigureAwait(false)).ConfigureAwait(false);
            try
            {
                await _session.Nfs.RmdirAsync(parent, name, ct).ConfigureAwait(false);
                return;
            }
            catch (Nfs3Exception ex) when (ex.Status == Nfs3Status.NoEnt)
            {
                return;
            }
            catch (Nfs3Exception ex) when (ex.Status is Nfs3Status.NotEmpty or Nfs3Status.Exist && attempt < 3)
            {
                // something was added while we emptied it: go again
            }
        }
    }

    /// <summary>Every entry of a directory except "." and "..", over as many READDIRPLUS pages as it takes.</summary>
    private async Task<List<DirEntryPlus>> ReadWholeDirectoryAsync(NfsFileHandle directory, CancellationToken ct)
    {
        const uint dirCount = 32 * 1024, maxCount = 256 * 1024;
        for (var attempt = 1; ; attempt++)
        {
            var entries = new List<DirEntryPlus>();
            ulong cookie = 0, verifier = 0;
            try
            {
                while (true)
                {
                    var page = await _session.Nfs.ReadDirPlusAsync(directory, cookie, verifier, dirCount, maxCount, ct).ConfigureAwait(false);
                    foreach (var e in page.Entries)
                    {
                        if (e.Name is not "." and not "..") entries.Add(e);
                        cookie = e.Cookie;
                    }
                    verifier = page.CookieVerifier;
                    if (page.Eof) return entries;
                    if (page.Entries.Count == 0) throw new IOException("the NFS server returned an empty directory page before the end");
                }
            }
            catch (Nfs3Exception ex) when (ex.Status == Nfs3Status.BadCookie && attempt < 3)
            {
                // the directory changed under the listing: start over
            }
        }
    }

    private static StoreEntry ToEntry(string rel, Fattr3 a) =>
        new(rel, a.IsDirectory, a.IsDirectory ? 0 : Clamp(a.Size), a.Mtime.ToDateTimeOffset()) { Mode = (UnixFileMode)(a.Mode & 0xFFF) };

    private static long Clamp(ulong v) => v > long.MaxValue ? long.MaxValue : (long)v;

    private static NotFoundException NotFound(string rel) =>
        new("StorePathNotFound", $"'{rel}' does not exist in backup storage.") { Target = rel };

    private static ConflictException Conflict(string rel) =>
        new("AlreadyExists", $"'{rel}' already exists in backup storage.") { Target = rel };

    private static ConflictException IsDirectory(string rel) =>
        new("PathIsDirectory", $"Cannot write file '{rel}' in backup storage: a directory is in the way.") { Target = rel };

    private static ConflictException PathIsFile(string rel) =>
        new("PathIsFile", $"Cannot create directory '{rel}' in backup storage: a file is in the way.") { Target = rel };
}
