using Wild.Backup.Core.Nfs.Rpc;

namespace Wild.Backup.Core.Nfs;

/// <summary>How <see cref="NfsStore"/> talks to the server. The defaults suit a NAS on a LAN.</summary>
public sealed record NfsStoreOptions
{
    public static readonly NfsStoreOptions Default = new();

    /// <summary>AUTH_SYS user id sent with every call. Null: this process's uid (and, with <see cref="Gid"/> null too, its
    /// supplementary groups, as a kernel mount would send them).</summary>
    public uint? Uid { get; init; }

    /// <summary>AUTH_SYS group id sent with every call. Null: this process's gid.</summary>
    public uint? Gid { get; init; }

    /// <summary>Bound on every call, from sending to reply, reconnecting included. A server silent this long is unreachable.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on opening one TCP connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>READ/WRITE requests kept in flight per open stream (pipelining on one connection).</summary>
    public int RequestsInFlight { get; init; } = 8;

    /// <summary>Upper bound on one READ or WRITE; the server's rtmax/wtmax (FSINFO) lower it further.</summary>
    public int MaxTransferSize { get; init; } = 1024 * 1024;

    /// <summary>Connect from a local port below 1024 when this process is allowed to (root, CAP_NET_BIND_SERVICE), as the
    /// kernel's client does: servers exporting with "secure" (Linux's default) refuse other ports. Without the privilege an
    /// ordinary port is used and such a server needs "insecure" on the export.</summary>
    public bool UseReservedPort { get; init; } = true;

    /// <summary>The options a URL asks for (<c>uid</c>, <c>gid</c>, <c>timeout</c>) on top of these.</summary>
    public NfsStoreOptions With(NfsUrl url) => this with
    {
        Uid = url.Uid ?? Uid,
        Gid = url.Gid ?? Gid,
        Timeout = url.Timeout ?? Timeout,
    };

    internal (uint Uid, uint Gid) EffectiveIds()
    {
        var (uid, gid) = AuthSys.CurrentProcessIds();
        return (Uid ?? uid, Gid ?? gid);
    }

    /// <summary>Supplementary groups to send: this process's when it speaks as itself, none for an identity given explicitly.</summary>
    internal IReadOnlyList<uint> EffectiveGroups() => Uid is null && Gid is null ? AuthSys.CurrentProcessGroups() : [];

    internal RpcTimeouts RpcTimeouts => new(Timeout, ConnectTimeout < Timeout ? ConnectTimeout : Timeout, UseReservedPort);

    internal void Validate()
    {
        if (Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(Timeout), "must be positive");
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), "must be positive");
        if (RequestsInFlight is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(RequestsInFlight), "must be 1 to 64");
        if (MaxTransferSize is < 4096 or > 16 * 1024 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxTransferSize), "must be 4 KiB to 16 MiB");
    }
}
