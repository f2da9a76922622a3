namespace Wild.Backup.Core.Nfs.Rpc;

/// <summary>Base of every ONC RPC failure. An <see cref="IOException"/> so callers that only know streams still catch it.</summary>
internal abstract class RpcException(string message, Exception? inner = null) : IOException(message, inner);

/// <summary>The connection could not be made or was lost.</summary>
internal sealed class RpcTransportException(string message, bool connectFailed, bool requestSent, Exception? inner = null)
    : RpcException(message, inner)
{
    /// <summary>No connection could be opened at all (refused, unreachable, DNS failure).</summary>
    public bool ConnectFailed { get; } = connectFailed;

    /// <summary>Some or all of the request went out before the connection failed, so the server may have acted on it.</summary>
    public bool RequestSent { get; } = requestSent;
}

/// <summary>No reply (or no connection) within the call's timeout.</summary>
internal sealed class RpcTimeoutException(string message) : RpcException(message);

/// <summary>The peer sent something that is not valid RPC over TCP.</summary>
internal sealed class RpcProtocolException(string message, Exception? inner = null) : RpcException(message, inner);

/// <summary>The server refused the call (MSG_DENIED): wrong RPC version or an authentication error.</summary>
internal sealed class RpcRejectedException(string message, RejectStatus status, AuthStatus auth) : RpcException(message)
{
    public RejectStatus Status { get; } = status;
    public AuthStatus Auth { get; } = auth;
}

/// <summary>The server accepted the call but could not run it (program/version/procedure unavailable, bad arguments, server error).</summary>
internal sealed class RpcAcceptException(string message, AcceptStatus status) : RpcException(message)
{
    public AcceptStatus Status { get; } = status;
}
