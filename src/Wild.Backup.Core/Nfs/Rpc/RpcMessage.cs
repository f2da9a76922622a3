using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Nfs.Rpc;

/// <summary>ONC RPC version 2 message headers (RFC 5531 §9): writing calls, reading replies.</summary>
internal static class RpcMessage
{
    public const uint RpcVersion = 2;
    public const uint Call = 0;
    public const uint Reply = 1;
    private const uint MsgAccepted = 0;
    private const uint MsgDenied = 1;

    /// <summary>Writes a call header: xid, CALL, rpcvers 2, program, version, procedure, credential, verifier (AUTH_NONE).</summary>
    public static void WriteCallHeader(XdrWriter w, uint xid, uint program, uint version, uint procedure, RpcCredential credential)
    {
        w.WriteUInt32(xid);
        w.WriteUInt32(Call);
        w.WriteUInt32(RpcVersion);
        w.WriteUInt32(program);
        w.WriteUInt32(version);
        w.WriteUInt32(procedure);
        w.WriteUInt32((uint)credential.Flavor);
        w.WriteOpaque(credential.Body.Span);
        w.WriteUInt32((uint)AuthFlavor.None);
        w.WriteOpaque([]);
    }

    /// <summary>The xid of a reply record (its first 4 bytes), or null when the record is too short to have one.</summary>
    public static uint? PeekXid(ReadOnlySpan<byte> record) =>
        record.Length >= 4 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(record) : null;

    /// <summary>
    /// Reads a reply header and leaves <paramref name="r"/> at the procedure's results. Throws
    /// <see cref="RpcRejectedException"/> or <see cref="RpcAcceptException"/> when the call did not succeed.
    /// </summary>
    public static void ReadReplyHeader(XdrReader r, uint expectedXid)
    {
        var xid = r.ReadUInt32();
        if (xid != expectedXid) throw new RpcProtocolException($"reply xid {xid} does not match call xid {expectedXid}");
        var type = r.ReadUInt32();
        if (type != Reply) throw new RpcProtocolException($"expected an RPC reply, got message type {type}");
        var stat = r.ReadUInt32();
        if (stat == MsgDenied)
        {
            var reject = (RejectStatus)r.ReadUInt32();
            if (reject == RejectStatus.RpcMismatch)
            {
                var low = r.ReadUInt32();
                var high = r.ReadUInt32();
                throw new RpcRejectedException($"server speaks RPC versions {low}-{high}, not {RpcVersion}", reject, AuthStatus.Ok);
            }
            var auth = (AuthStatus)r.ReadUInt32();
            throw new RpcRejectedException($"server rejected the credentials ({auth})", reject, auth);
        }
        if (stat != MsgAccepted) throw new RpcProtocolException($"unknown reply status {stat}");
        r.ReadUInt32(); // verifier flavor
        r.ReadOpaque(400);
        var accept = (AcceptStatus)r.ReadUInt32();
        switch (accept)
        {
            case AcceptStatus.Success:
                return;
            case AcceptStatus.ProgMismatch:
                var low = r.ReadUInt32();
                var high = r.ReadUInt32();
                throw new RpcAcceptException($"server offers versions {low}-{high} of the program only", accept);
            default:
                throw new RpcAcceptException(accept switch
                {
                    AcceptStatus.ProgUnavail => "program not available on this server",
                    AcceptStatus.ProcUnavail => "procedure not available on this server",
                    AcceptStatus.GarbageArgs => "server could not decode the arguments",
                    AcceptStatus.SystemErr => "server system error",
                    _ => $"unknown accept status {(uint)accept}",
                }, accept);
        }
    }
}

internal enum AuthFlavor : uint
{
    None = 0,
    Sys = 1,
}

internal enum AcceptStatus : uint
{
    Success = 0,
    ProgUnavail = 1,
    ProgMismatch = 2,
    ProcUnavail = 3,
    GarbageArgs = 4,
    SystemErr = 5,
}

internal enum RejectStatus : uint
{
    RpcMismatch = 0,
    AuthError = 1,
}

internal enum AuthStatus : uint
{
    Ok = 0,
    BadCred = 1,
    RejectedCred = 2,
    BadVerf = 3,
    RejectedVerf = 4,
    TooWeak = 5,
    InvalidResp = 6,
    Failed = 7,
}
