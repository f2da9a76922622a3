using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.V3;

namespace Wild.Backup.Core.Nfs.Mount;

/// <summary>The MOUNT protocol version 3 (RFC 1813 Appendix I): the root file handle of an export, and the export list.</summary>
internal sealed class MountClient(RpcClient rpc)
{
    public const uint Program = 100005;
    public const uint Version = 3;
    private const uint ProcMnt = 1;
    private const uint ProcUmnt = 3;
    private const uint ProcExport = 5;
    private const int MaxPathLength = 1024;

    /// <summary>Mounts <paramref name="exportPath"/>: its root file handle. Throws <see cref="MountException"/> when the server refuses.</summary>
    public async Task<NfsFileHandle> MountAsync(string exportPath, CancellationToken ct)
    {
        using var reply = await rpc.CallAsync(ProcMnt, w => w.WriteString(exportPath), default, idempotent: true, ct).ConfigureAwait(false);
        var r = reply.Results;
        var status = (MountStatus)r.ReadUInt32();
        if (status != MountStatus.Ok) throw new MountException(exportPath, status);
        var handle = NfsFileHandle.Read(r);
        var flavors = r.ReadUInt32();
        for (var i = 0; i < flavors && i < 64; i++) r.ReadUInt32();
        return handle;
    }

    /// <summary>Tells the server the export is no longer mounted by this client (bookkeeping only).</summary>
    public async Task UnmountAsync(string exportPath, CancellationToken ct)
    {
        using var _ = await rpc.CallAsync(ProcUmnt, w => w.WriteString(exportPath), default, idempotent: true, ct).ConfigureAwait(false);
    }

    /// <summary>The exported paths.</summary>
    public async Task<IReadOnlyList<string>> ExportsAsync(CancellationToken ct)
    {
        using var reply = await rpc.CallAsync(ProcExport, null, default, idempotent: true, ct).ConfigureAwait(false);
        var r = reply.Results;
        var list = new List<string>();
        while (r.ReadBool())
        {
            list.Add(r.ReadString(MaxPathLength));
            while (r.ReadBool()) r.ReadString(255); // groups allowed to mount it
        }
        return list;
    }
}

/// <summary>mountstat3.</summary>
internal enum MountStatus : uint
{
    Ok = 0,
    Perm = 1,
    NoEnt = 2,
    Io = 5,
    Acces = 13,
    NotDir = 20,
    Inval = 22,
    NameTooLong = 63,
    NotSupp = 10004,
    ServerFault = 10006,
}

/// <summary>The server refused to mount an export.</summary>
internal sealed class MountException(string exportPath, MountStatus status)
    : IOException($"the server refused to mount '{exportPath}': {Describe(status)}")
{
    public string ExportPath { get; } = exportPath;
    public MountStatus Status { get; } = status;

    private static string Describe(MountStatus s) => s switch
    {
        MountStatus.NoEnt => "no such export (MNT3ERR_NOENT)",
        MountStatus.Acces => "access denied (MNT3ERR_ACCES)",
        MountStatus.Perm => "not permitted (MNT3ERR_PERM)",
        MountStatus.NotDir => "not a directory (MNT3ERR_NOTDIR)",
        _ => $"MNT3ERR {(uint)s}",
    };
}
