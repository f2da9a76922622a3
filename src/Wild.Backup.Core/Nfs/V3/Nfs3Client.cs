using System.Buffers.Binary;
using System.Diagnostics;
using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Nfs.V3;

/// <summary>
/// The NFS version 3 procedures (RFC 1813 §3.3) that a backup store needs, over one <see cref="RpcClient"/>.
/// Every method throws <see cref="Nfs3Exception"/> for an error status; NFS3ERR_JUKEBOX ("try again later")
/// is retried here until the call timeout.
/// </summary>
internal sealed class Nfs3Client(RpcClient rpc)
{
    public const uint Program = 100003;
    public const uint Version = 3;
    public const int MaxNameLength = 255;

    private enum Proc : uint
    {
        Null = 0, GetAttr = 1, SetAttr = 2, Lookup = 3, Access = 4, Read = 6, Write = 7, Create = 8, Mkdir = 9,
        Remove = 12, Rmdir = 13, Rename = 14, Link = 15, ReadDirPlus = 17, FsStat = 18, FsInfo = 19, Commit = 21,
    }

    public RpcClient Rpc => rpc;

    public async Task NullAsync(CancellationToken ct)
    {
        using var _ = await rpc.CallAsync((uint)Proc.Null, null, default, idempotent: true, ct).ConfigureAwait(false);
    }

    public async Task<Fattr3> GetAttrAsync(NfsFileHandle file, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.GetAttr, file.Write, default, true, ct).ConfigureAwait(false);
        return Fattr3.Read(reply.Results);
    }

    /// <summary>Sets attributes (mode, size for truncation, owner, times).</summary>
    public async Task<Fattr3?> SetAttrAsync(NfsFileHandle file, Sattr3 attributes, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.SetAttr, w =>
        {
            file.Write(w);
            attributes.Write(w);
            w.WriteBool(false); // sattrguard3: no ctime check
        }, default, true, ct).ConfigureAwait(false);
        return WccData.Read(reply.Results);
    }

    public async Task<HandleAndAttributes> LookupAsync(NfsFileHandle directory, string name, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.Lookup, w => WriteDirOp(w, directory, name), default, true, ct).ConfigureAwait(false);
        var r = reply.Results;
        var handle = NfsFileHandle.Read(r);
        var attributes = Fattr3.ReadOptional(r);
        return new HandleAndAttributes(handle, attributes);
    }

    /// <summary>Which of the <paramref name="wanted"/> access bits the server grants this credential.</summary>
    public async Task<Nfs3Access> AccessAsync(NfsFileHandle file, Nfs3Access wanted, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.Access, w =>
        {
            file.Write(w);
            w.WriteUInt32((uint)wanted);
        }, default, true, ct).ConfigureAwait(false);
        Fattr3.ReadOptional(reply.Results);
        return (Nfs3Access)reply.Results.ReadUInt32();
    }

    /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="offset"/>. The chunk owns the reply buffer: dispose it.</summary>
    public async Task<ReadChunk> ReadAsync(NfsFileHandle file, ulong offset, uint count, CancellationToken ct)
    {
        var reply = await CallAsync(Proc.Read, w =>
        {
            file.Write(w);
            w.WriteUInt64(offset);
            w.WriteUInt32(count);
        }, default, true, ct).ConfigureAwait(false);
        try
        {
            var r = reply.Results;
            Fattr3.ReadOptional(r);
            var n = r.ReadUInt32();
            var eof = r.ReadBool();
            var data = r.ReadOpaque((int)Math.Min(count, int.MaxValue));
            if (data.Length != n) throw new RpcProtocolException($"READ reply says {n} bytes but carries {data.Length}");
            return new ReadChunk(reply, data, eof);
        }
        catch
        {
            reply.Dispose();
            throw;
        }
    }

    public async Task<WriteResult> WriteAsync(NfsFileHandle file, ulong offset, ReadOnlyMemory<byte> data, StableHow stable, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.Write, w =>
        {
            file.Write(w);
            w.WriteUInt64(offset);
            w.WriteUInt32((uint)data.Length);
            w.WriteUInt32((uint)stable);
            w.WriteUInt32((uint)data.Length); // opaque length; the bytes follow as the payload
        }, data, true, ct).ConfigureAwait(false);
        var res = reply.Results;
        WccData.Read(res);
        var count = res.ReadUInt32();
        var committed = (StableHow)res.ReadUInt32();
        var verifier = BinaryPrimitives.ReadUInt64BigEndian(res.ReadFixedOpaque(8).Span);
        if (count > data.Length) throw new RpcProtocolException($"WRITE reply claims {count} bytes of {data.Length}");
        return new WriteResult(count, committed, verifier);
    }

    /// <summary>
    /// Creates a regular file. <see cref="CreateMode.Exclusive"/> uses <paramref name="verifier"/> and ignores
    /// <paramref name="attributes"/> (set them afterwards with SETATTR, which also clears the verifier from the times).
    /// </summary>
    public async Task<HandleAndAttributes> CreateAsync(NfsFileHandle directory, string name, CreateMode mode, Sattr3 attributes, ulong verifier, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.Create, w =>
        {
            WriteDirOp(w, directory, name);
            w.WriteUInt32((uint)mode);
            if (mode == CreateMode.Exclusive) w.WriteUInt64(verifier);
            else attributes.Write(w);
        }, default, idempotent: mode != CreateMode.Guarded, ct).ConfigureAwait(false);
        return ReadNewObject(reply.Results);
    }

    /// <summary>Creates a directory. Sent again after a lost connection, it may answer EXIST for its own first attempt.</summary>
    public async Task<HandleAndAttributes> MkdirAsync(NfsFileHandle directory, string name, Sattr3 attributes, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.Mkdir, w =>
        {
            WriteDirOp(w, directory, name);
            attributes.Write(w);
        }, default, true, ct).ConfigureAwait(false);
        return ReadNewObject(reply.Results);
    }

    /// <summary>Removes a file. Sent again after a lost connection, it may answer NOENT for its own first attempt.</summary>
    public async Task RemoveAsync(NfsFileHandle directory, string name, CancellationToken ct)
    {
        using var _ = await CallAsync(Proc.Remove, w => WriteDirOp(w, directory, name), default, true, ct).ConfigureAwait(false);
    }

    /// <summary>Removes an empty directory. Sent again after a lost connection, it may answer NOENT for its own first attempt.</summary>
    public async Task RmdirAsync(NfsFileHandle directory, string name, CancellationToken ct)
    {
        using var _ = await CallAsync(Proc.Rmdir, w => WriteDirOp(w, directory, name), default, true, ct).ConfigureAwait(false);
    }

    /// <summary>Renames (atomically replacing a target file or empty directory). Never sent twice.</summary>
    public async Task RenameAsync(NfsFileHandle fromDirectory, string fromName, NfsFileHandle toDirectory, string toName, CancellationToken ct)
    {
        using var _ = await CallAsync(Proc.Rename, w =>
        {
            WriteDirOp(w, fromDirectory, fromName);
            WriteDirOp(w, toDirectory, toName);
        }, default, false, ct).ConfigureAwait(false);
    }

    /// <summary>Makes a hard link; fails with EXIST when the name is taken. Never sent twice.</summary>
    public async Task LinkAsync(NfsFileHandle file, NfsFileHandle directory, string name, CancellationToken ct)
    {
        using var _ = await CallAsync(Proc.Link, w =>
        {
            file.Write(w);
            WriteDirOp(w, directory, name);
        }, default, false, ct).ConfigureAwait(false);
    }

    /// <summary>One page of a directory listing with attributes and handles. Start with cookie 0 and verifier 0.</summary>
    public async Task<DirPage> ReadDirPlusAsync(NfsFileHandle directory, ulong cookie, ulong cookieVerifier, uint dirCount, uint maxCount, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.ReadDirPlus, w =>
        {
            directory.Write(w);
            w.WriteUInt64(cookie);
            w.WriteUInt64(cookieVerifier);
            w.WriteUInt32(dirCount);
            w.WriteUInt32(maxCount);
        }, default, true, ct).ConfigureAwait(false);
        var r = reply.Results;
        Fattr3.ReadOptional(r);
        var verifier = r.ReadUInt64();
        var entries = new List<DirEntryPlus>();
        while (r.ReadBool())
        {
            r.ReadUInt64(); // fileid
            var name = r.ReadString(MaxNameLength);
            var entryCookie = r.ReadUInt64();
            var attributes = Fattr3.ReadOptional(r);
            var handle = r.ReadBool() ? NfsFileHandle.Read(r) : null;
            entries.Add(new DirEntryPlus(name, entryCookie, attributes, handle));
        }
        var eof = r.ReadBool();
        return new DirPage(entries, verifier, eof);
    }

    public async Task<FsStat> FsStatAsync(NfsFileHandle root, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.FsStat, root.Write, default, true, ct).ConfigureAwait(false);
        var r = reply.Results;
        Fattr3.ReadOptional(r);
        return new FsStat(r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64());
    }

    public async Task<FsInfo> FsInfoAsync(NfsFileHandle root, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.FsInfo, root.Write, default, true, ct).ConfigureAwait(false);
        var r = reply.Results;
        Fattr3.ReadOptional(r);
        var rtmax = r.ReadUInt32();
        var rtpref = r.ReadUInt32();
        r.ReadUInt32(); // rtmult
        var wtmax = r.ReadUInt32();
        var wtpref = r.ReadUInt32();
        r.ReadUInt32(); // wtmult
        var dtpref = r.ReadUInt32();
        var maxFileSize = r.ReadUInt64();
        NfsTime.Read(r); // time_delta
        var properties = r.ReadUInt32();
        return new FsInfo(rtmax, rtpref, wtmax, wtpref, dtpref, maxFileSize, properties);
    }

    /// <summary>Makes unstable writes in the range durable (count 0: to the end of the file). Returns the server's write verifier.</summary>
    public async Task<ulong> CommitAsync(NfsFileHandle file, ulong offset, uint count, CancellationToken ct)
    {
        using var reply = await CallAsync(Proc.Commit, w =>
        {
            file.Write(w);
            w.WriteUInt64(offset);
            w.WriteUInt32(count);
        }, default, true, ct).ConfigureAwait(false);
        WccData.Read(reply.Results);
        return BinaryPrimitives.ReadUInt64BigEndian(reply.Results.ReadFixedOpaque(8).Span);
    }

    private static void WriteDirOp(XdrWriter w, NfsFileHandle directory, string name)
    {
        directory.Write(w);
        w.WriteString(name);
    }

    private static HandleAndAttributes ReadNewObject(XdrReader r)
    {
        var handle = r.ReadBool() ? NfsFileHandle.Read(r) : null;
        var attributes = Fattr3.ReadOptional(r);
        WccData.Read(r);
        return new HandleAndAttributes(handle, attributes);
    }

    /// <summary>Procedures that change the server's state. Once one is sent, its reply is waited for even when the caller
    /// cancels: the server applies it regardless, and a caller that gave up could not tell (a lock renamed into place
    /// but never released, a file created after its removal was sent).</summary>
    private static bool Changes(Proc proc) =>
        proc is Proc.SetAttr or Proc.Write or Proc.Create or Proc.Mkdir or Proc.Remove or Proc.Rmdir or Proc.Rename or Proc.Link or Proc.Commit;

    /// <summary>Calls and checks the status; returns the reply at the resok body. JUKEBOX is retried until the call timeout.</summary>
    private async Task<RpcReply> CallAsync(Proc proc, Action<XdrWriter> args, ReadOnlyMemory<byte> payload, bool idempotent, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var reply = await rpc.CallAsync((uint)proc, args, payload, idempotent, ct, seeThrough: Changes(proc)).ConfigureAwait(false);
            Nfs3Status status;
            try
            {
                status = (Nfs3Status)reply.Results.ReadUInt32();
            }
            catch
            {
                reply.Dispose();
                throw;
            }
            if (status == Nfs3Status.Ok) return reply;
            reply.Dispose();
            if (status == Nfs3Status.Jukebox && Stopwatch.GetElapsedTime(started) + delay < rpc.Timeouts.Call)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
                continue;
            }
            throw new Nfs3Exception(proc.ToString().ToUpperInvariant(), status);
        }
    }
}

/// <summary>Data returned by READ: a view into the reply buffer, valid until disposed.</summary>
internal sealed class ReadChunk(RpcReply reply, ReadOnlyMemory<byte> data, bool eof) : IDisposable
{
    public ReadOnlyMemory<byte> Data { get; } = data;
    public bool Eof { get; } = eof;
    public void Dispose() => reply.Dispose();
}
