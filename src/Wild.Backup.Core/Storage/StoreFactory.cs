using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Storage;

/// <summary>Turns a destination string (a path, or an <c>nfs://</c> URL) into a store. The one place that knows the schemes.</summary>
public static class StoreFactory
{
    /// <summary>The deadline of one store call unless the caller sets another.</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Opens the store for <paramref name="destination"/>, idempotent calls retried. (The engine adds the
    /// per-call deadline, <see cref="TimeoutStore"/>, on the outside.)</summary>
    public static IBackupStore Open(string destination, RetryPolicy? retry = null)
    {
        var store = OpenRaw(destination);
        return retry == RetryPolicy.None ? store : new RetryingStore(store, retry);
    }

    /// <summary>The store without wrappers.</summary>
    public static IBackupStore OpenRaw(string destination)
    {
        if (string.IsNullOrWhiteSpace(destination))
            throw new InvalidInputException("InvalidDestination", "No backup destination given. Use -Destination, $env:WILD_BACKUP_DEST or cloud.backup.destination in config.yaml.");
        if (destination.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(destination, UriKind.Absolute, out var uri))
                throw new InvalidInputException("InvalidDestination", $"The backup destination '{Redact(destination)}' is not a valid URL.");
            return uri.Scheme.ToLowerInvariant() switch
            {
                "nfs" => OpenNfs(uri),
                "file" => new LocalDirectoryStore(uri.LocalPath),
                _ => throw new InvalidInputException("UnsupportedDestination", $"Backup destinations of type '{uri.Scheme}://' are not supported. Use a directory path or an nfs:// URL."),
            };
        }
        if (!Path.IsPathRooted(destination))
            throw new InvalidInputException("InvalidDestination", $"The backup destination '{destination}' must be an absolute path or an nfs:// URL.");
        return new LocalDirectoryStore(destination);
    }

    private static IBackupStore OpenNfs(Uri uri) => new Nfs.NfsStore(Nfs.NfsUrl.Parse(uri));

    /// <summary>A destination for messages: user info and query removed.</summary>
    public static string Redact(string destination)
    {
        if (!Uri.TryCreate(destination, UriKind.Absolute, out var uri) || uri.IsFile) return destination;
        var b = new UriBuilder(uri) { UserName = "", Password = "", Query = "" };
        return b.Uri.ToString();
    }
}
