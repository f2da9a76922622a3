using System.Net.Sockets;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Nfs.Mount;
using Wild.Backup.Core.Nfs.Rpc;
using Wild.Backup.Core.Nfs.V3;

namespace Wild.Backup.Core.Nfs;

/// <summary>
/// Turns protocol failures into the errors a person reads (see docs/DEVELOPERS.md "Errors"): anything that means the
/// server cannot be talked to is <see cref="StorageUnreachableException"/> with the technical story in its Detail; a
/// refused mount, a missing export and permission problems say so; a full export is <see cref="NoSpaceException"/>.
/// </summary>
internal sealed class NfsErrors(NfsUrl url, uint uid, uint gid)
{
    /// <summary>ErrorId when the server denies an operation to the AUTH_SYS identity in use.</summary>
    public const string PermissionDeniedId = "StoragePermissionDenied";
    public const string MountRefusedId = "NfsMountRefused";
    public const string ExportNotFoundId = "NfsExportNotFound";
    public const string DataLostId = "NfsUncommittedDataLost";

    /// <summary>The typed error for <paramref name="ex"/>, or null when it should surface unchanged (already typed, cancellation, plain I/O).</summary>
    public Exception? Map(Exception ex, string? storePath = null, long neededBytes = 0)
    {
        var where = storePath is null or "" ? url.Display : $"'{storePath}' on {url.Display}";
        switch (ex)
        {
            case WildBackupException or OperationCanceledException:
                return null;
            case RpcTimeoutException or RpcTransportException or RpcProtocolException or SocketException or Xdr.XdrFormatException:
                return new StorageUnreachableException($"{url.Display}: {ex.Message}", ex);
            case RpcAcceptException a:
                return new StorageUnreachableException($"{url.Display}: {a.Message} (is this an NFS version 3 server?)", ex);
            case RpcRejectedException r when r.Status == RejectStatus.AuthError:
                return new WildBackupException(WildErrorKind.Unreachable, MountRefusedId,
                    $"The NFS server {url.Host} rejected this machine's credentials (uid {uid}, gid {gid}, {r.Auth}). Check the export allows sec=sys, and 'insecure' (ports above 1024) unless WildBackup runs as root.",
                    $"{url.Display}: {r.Message}", ex);
            case RpcRejectedException r:
                return new StorageUnreachableException($"{url.Display}: {r.Message}", ex);
            case ExportNotFoundException e:
                return ExportNotFound(e.RequestedPath, e.Exports, ex);
            case MountException { Status: MountStatus.NoEnt or MountStatus.NotDir } m:
                return ExportNotFound(m.ExportPath, null, ex);
            case MountException { Status: MountStatus.Acces or MountStatus.Perm } m:
                return new WildBackupException(WildErrorKind.Unreachable, MountRefusedId,
                    $"The NFS server {url.Host} refused to let this machine mount '{m.ExportPath}' (permission denied). Check the path, the export's allowed clients, and 'insecure' (ports above 1024) unless WildBackup runs as root.",
                    $"{url.Display}: {m.Message}", ex) { Target = m.ExportPath };
            case MountException m:
                return new StorageUnreachableException($"{url.Display}: {m.Message}", ex);
            case StoreRootMissingException r:
                return new StorageUnreachableException(r.Message, ex);
            case Nfs3Exception { Status: Nfs3Status.Acces or Nfs3Status.Perm } n:
                return PermissionDenied(where, n);
            case Nfs3Exception { Status: Nfs3Status.RoFs } n:
                return new WildBackupException(WildErrorKind.Unreachable, PermissionDeniedId,
                    $"Backup storage {url.Display} is read-only. Export it read-write.", $"{where}: {n.Message}", n) { Target = storePath };
            case Nfs3Exception { Status: Nfs3Status.NoSpc or Nfs3Status.DQuot or Nfs3Status.FBig } n:
                return new NoSpaceException(neededBytes, $"{where}: {n.Message}", n);
            case Nfs3Exception { Status: Nfs3Status.NameTooLong } n:
                return new InvalidInputException("InvalidStorePath", "A name inside backup storage is too long for the NFS server.", $"{where}: {n.Message}", n);
            case Nfs3Exception { Status: Nfs3Status.ServerFault or Nfs3Status.Io } n:
                return new IOException($"The NFS server reported an error on {where}: {n.Message}", n);
            default:
                return null;
        }
    }

    /// <summary>What to throw for <paramref name="ex"/>: its mapping, or itself.</summary>
    public Exception Wrap(Exception ex, string? storePath = null, long neededBytes = 0) => Map(ex, storePath, neededBytes) ?? ex;

    public WildBackupException PermissionDenied(string where, Exception? inner) =>
        new(WildErrorKind.Unreachable, PermissionDeniedId,
            $"Permission denied on backup storage {url.Display} for uid {uid}, gid {gid}. Check the export's owner and permissions, or give ?uid=…&gid=… in the URL.",
            inner is null ? where : $"{where}: {inner.Message}", inner);

    private NotFoundException ExportNotFound(string path, IReadOnlyList<string>? exports, Exception inner)
    {
        var list = exports is { Count: > 0 } ? $" It exports: {string.Join(", ", exports)}." : "";
        return new NotFoundException(ExportNotFoundId,
            $"The NFS server {url.Host} does not export '{path}'.{list} Check the path in the destination URL.",
            $"{url.Display}: {inner.Message}", inner) { Target = path };
    }
}
