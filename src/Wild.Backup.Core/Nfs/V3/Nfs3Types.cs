using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Nfs.V3;

/// <summary>nfsstat3 (RFC 1813 §2.6).</summary>
internal enum Nfs3Status : uint
{
    Ok = 0,
    Perm = 1,
    NoEnt = 2,
    Io = 5,
    NxIo = 6,
    Acces = 13,
    Exist = 17,
    XDev = 18,
    NoDev = 19,
    NotDir = 20,
    IsDir = 21,
    Inval = 22,
    FBig = 27,
    NoSpc = 28,
    RoFs = 30,
    MLink = 31,
    NameTooLong = 63,
    NotEmpty = 66,
    DQuot = 69,
    Stale = 70,
    Remote = 71,
    BadHandle = 10001,
    NotSync = 10002,
    BadCookie = 10003,
    NotSupp = 10004,
    TooSmall = 10005,
    ServerFault = 10006,
    BadType = 10007,
    Jukebox = 10008,
}

/// <summary>ftype3.</summary>
internal enum Nfs3FileType : uint
{
    Regular = 1,
    Directory = 2,
    Block = 3,
    Character = 4,
    Symlink = 5,
    Socket = 6,
    Fifo = 7,
}

/// <summary>stable_how: how durable a WRITE must be before the server replies.</summary>
internal enum StableHow : uint
{
    Unstable = 0,
    DataSync = 1,
    FileSync = 2,
}

/// <summary>createmode3.</summary>
internal enum CreateMode : uint
{
    /// <summary>Create, or truncate/apply attributes to an existing file.</summary>
    Unchecked = 0,
    /// <summary>Fail with EXIST if the name exists.</summary>
    Guarded = 1,
    /// <summary>Atomic create keyed by a client verifier: a retransmission of the same request succeeds, anything else fails with EXIST.</summary>
    Exclusive = 2,
}

/// <summary>ACCESS3 bits.</summary>
[Flags]
internal enum Nfs3Access : uint
{
    Read = 0x01,
    Lookup = 0x02,
    Modify = 0x04,
    Extend = 0x08,
    Delete = 0x10,
    Execute = 0x20,
}

/// <summary>nfstime3.</summary>
internal readonly record struct NfsTime(uint Seconds, uint Nanoseconds)
{
    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.FromUnixTimeSeconds(Seconds).AddTicks(Nanoseconds / 100);

    public static NfsTime Read(XdrReader r) => new(r.ReadUInt32(), r.ReadUInt32());

    public void Write(XdrWriter w)
    {
        w.WriteUInt32(Seconds);
        w.WriteUInt32(Nanoseconds);
    }
}

/// <summary>fattr3: the attributes of a file.</summary>
internal sealed record Fattr3(
    Nfs3FileType Type, uint Mode, uint Nlink, uint Uid, uint Gid, ulong Size, ulong Used,
    ulong Fsid, ulong FileId, NfsTime Atime, NfsTime Mtime, NfsTime Ctime)
{
    public bool IsDirectory => Type == Nfs3FileType.Directory;

    public static Fattr3 Read(XdrReader r)
    {
        var type = (Nfs3FileType)r.ReadUInt32();
        var mode = r.ReadUInt32();
        var nlink = r.ReadUInt32();
        var uid = r.ReadUInt32();
        var gid = r.ReadUInt32();
        var size = r.ReadUInt64();
        var used = r.ReadUInt64();
        r.ReadUInt32(); // rdev.specdata1
        r.ReadUInt32(); // rdev.specdata2
        var fsid = r.ReadUInt64();
        var fileId = r.ReadUInt64();
        return new Fattr3(type, mode, nlink, uid, gid, size, used, fsid, fileId, NfsTime.Read(r), NfsTime.Read(r), NfsTime.Read(r));
    }

    /// <summary>post_op_attr: attributes that may or may not follow.</summary>
    public static Fattr3? ReadOptional(XdrReader r) => r.ReadBool() ? Read(r) : null;
}

/// <summary>wcc_data: attributes before (size, mtime, ctime) and after an operation. Only the "after" part is kept.</summary>
internal static class WccData
{
    public static Fattr3? Read(XdrReader r)
    {
        if (r.ReadBool()) r.Skip(8 + 8 + 8); // pre_op_attr: size3, mtime, ctime
        return Fattr3.ReadOptional(r);
    }
}

/// <summary>sattr3: attributes to set. Null fields are left alone.</summary>
internal sealed record Sattr3
{
    public static readonly Sattr3 None = new();

    public uint? Mode { get; init; }
    public uint? Uid { get; init; }
    public uint? Gid { get; init; }
    public ulong? Size { get; init; }
    /// <summary>Set atime and mtime to the server's clock (used after an exclusive create, whose verifier sits in them).</summary>
    public bool TimesToServerNow { get; init; }

    public void Write(XdrWriter w)
    {
        WriteOptional(w, Mode);
        WriteOptional(w, Uid);
        WriteOptional(w, Gid);
        w.WriteBool(Size.HasValue);
        if (Size is { } size) w.WriteUInt64(size);
        const uint dontChange = 0, setToServerTime = 1;
        w.WriteUInt32(TimesToServerNow ? setToServerTime : dontChange); // atime
        w.WriteUInt32(TimesToServerNow ? setToServerTime : dontChange); // mtime
    }

    private static void WriteOptional(XdrWriter w, uint? value)
    {
        w.WriteBool(value.HasValue);
        if (value is { } v) w.WriteUInt32(v);
    }
}

/// <summary>FSSTAT3resok: space and inodes of the file system.</summary>
internal sealed record FsStat(ulong TotalBytes, ulong FreeBytes, ulong AvailableBytes, ulong TotalFiles, ulong FreeFiles, ulong AvailableFiles);

/// <summary>FSINFO3resok: transfer sizes and properties.</summary>
internal sealed record FsInfo(uint ReadMax, uint ReadPreferred, uint WriteMax, uint WritePreferred, uint DirPreferred, ulong MaxFileSize, uint Properties)
{
    public const uint PropertyLink = 0x0001;
    public bool SupportsHardLinks => (Properties & PropertyLink) != 0;
}

/// <summary>One READDIRPLUS entry.</summary>
internal sealed record DirEntryPlus(string Name, ulong Cookie, Fattr3? Attributes, NfsFileHandle? Handle);

/// <summary>One READDIRPLUS page.</summary>
internal sealed record DirPage(IReadOnlyList<DirEntryPlus> Entries, ulong CookieVerifier, bool Eof);

/// <summary>The result of a WRITE.</summary>
internal readonly record struct WriteResult(uint Count, StableHow Committed, ulong Verifier);

/// <summary>The handle and attributes returned by LOOKUP, CREATE and MKDIR (either may be absent after CREATE/MKDIR).</summary>
internal sealed record HandleAndAttributes(NfsFileHandle? Handle, Fattr3? Attributes);
