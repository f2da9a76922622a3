using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// Where this tool reads a Longhorn backup target from. Longhorn names an NFS target <c>nfs://server:/export/path</c>
/// (the share as in <c>server:/path</c>), optionally <c>nfs://server:2049/path</c> or with <c>?nfsOptions=…</c> (kernel
/// mount options for Longhorn's own mount) — longhorn/backupstore <c>nfs/nfs.go</c>. The product's NFS client takes
/// <c>nfs://server[:port]/path</c> and needs no mount options, so the ':' before the path and the query are dropped.
/// Other target types (s3://, cifs://, azblob://) cannot be read here: the caller must say where a copy is readable.
/// </summary>
public static class BackupTargetLocation
{
    /// <summary>The destination string (<see cref="Storage.StoreFactory"/>) for a Longhorn target URL.</summary>
    public static string ToDestination(string targetUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(targetUrl);
        var schemeEnd = targetUrl.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
            throw new InvalidInputException("InvalidBackupTarget", $"'{targetUrl}' is not a Longhorn backup target URL (nfs://server:/path).");
        var scheme = targetUrl[..schemeEnd].ToLowerInvariant();
        if (scheme != "nfs")
        {
            throw new InvalidInputException("UnsupportedBackupTarget",
                $"Longhorn's backup target {Storage.StoreFactory.Redact(targetUrl)} is a {scheme}:// store, which this tool cannot read. " +
                "Copy its backupstore/ directory somewhere readable and give that directory (or nfs:// URL) with -BackupTarget.");
        }
        var rest = targetUrl[(schemeEnd + 3)..];
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0) rest = rest[..q];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
            throw new InvalidInputException("InvalidBackupTarget", $"The Longhorn backup target '{targetUrl}' names no NFS share (nfs://server:/path).");
        var authority = rest[..slash];
        if (authority.EndsWith(':')) authority = authority[..^1];
        return "nfs://" + authority + rest[slash..];
    }
}
