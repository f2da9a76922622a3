namespace Wild.Backup.Core.Storage;

/// <summary>
/// A backup destination: a tree of files and directories under one root (a local directory, a mounted
/// NFS share, an <c>nfs://</c> export). This is the whole contract every destination implements and
/// the conformance suite (tests/Unit/.../Storage/StoreConformanceTests.cs) checks. Behaviour that is
/// not storage itself — retries, fault injection, byte counting — is layered as wrappers around it.
/// </summary>
/// <remarks>
/// <para>Paths are relative to the root, '/'-separated, validated by <see cref="StorePath"/>; "" is the root.</para>
/// <para>Errors: a root that is missing, unmounted, unreadable or does not answer raises
/// <see cref="Errors.StorageUnreachableException"/>; a full device raises <see cref="Errors.NoSpaceException"/>;
/// a missing path where one is required raises <see cref="Errors.NotFoundException"/>; an existing path where
/// none may be raises <see cref="Errors.ConflictException"/>. Other I/O failures surface as <see cref="IOException"/>.</para>
/// <para>Implementations are safe for concurrent calls on different paths.</para>
/// </remarks>
public interface IBackupStore : IAsyncDisposable
{
    /// <summary>Where this store points, for people: a path or URL without credentials.</summary>
    string Location { get; }

    /// <summary>Checks the root can be reached and read. Throws StorageUnreachableException when not.</summary>
    Task ProbeAsync(CancellationToken ct);

    /// <summary>The entry at <paramref name="path"/>, or null when nothing is there.</summary>
    Task<StoreEntry?> StatAsync(string path, CancellationToken ct);

    /// <summary>The entries directly inside a directory, in no particular order.
    /// Throws NotFoundException when the directory does not exist — never an empty list for a missing directory.</summary>
    Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct);

    /// <summary>Creates a directory and its missing parents; succeeds when it already exists.</summary>
    Task CreateDirectoryAsync(string path, CancellationToken ct);

    /// <summary>Opens a file for reading from its start. Throws NotFoundException when absent.</summary>
    Task<Stream> OpenReadAsync(string path, CancellationToken ct);

    /// <summary>
    /// Creates a file (its parent directory must exist) and returns a stream to write it. With
    /// <see cref="CreateOptions.Exclusive"/> the call fails with ConflictException when the path exists —
    /// atomically, so two writers racing for it (locks) cannot both win. Otherwise an existing file is truncated.
    /// Disposing the stream sends everything written; durability comes from <see cref="FlushAsync"/>.
    /// </summary>
    Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct);

    /// <summary>
    /// Renames a file or directory atomically. When <paramref name="overwrite"/> is false and the target exists,
    /// fails with ConflictException; when true, an existing target FILE is replaced atomically.
    /// </summary>
    Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct);

    /// <summary>Deletes a file; succeeds when it is already absent.</summary>
    Task DeleteFileAsync(string path, CancellationToken ct);

    /// <summary>Deletes a directory and everything in it; succeeds when it is already absent.</summary>
    Task DeleteDirectoryAsync(string path, CancellationToken ct);

    /// <summary>Total and free bytes where the root lives (free = available to this user).</summary>
    Task<StoreSpace> GetSpaceAsync(CancellationToken ct);

    /// <summary>Makes everything written, created, renamed or deleted through this store so far durable
    /// (fsync/syncfs locally, COMMIT over NFS). Returns when the data is on stable storage.</summary>
    Task FlushAsync(CancellationToken ct);
}

/// <summary>One file or directory in a store.</summary>
public sealed record StoreEntry(string Path, bool IsDirectory, long Length, DateTimeOffset LastWriteTime)
{
    public string Name => StorePath.GetName(Path);

    /// <summary>Unix permission bits when the store knows them.</summary>
    public UnixFileMode? Mode { get; init; }
}

/// <summary>Space where a store's root lives.</summary>
public sealed record StoreSpace(long TotalBytes, long FreeBytes);

/// <summary>How <see cref="IBackupStore.CreateFileAsync"/> creates a file.</summary>
public sealed record CreateOptions
{
    public static readonly CreateOptions Default = new();
    public static readonly CreateOptions ExclusiveNew = new() { Exclusive = true };

    /// <summary>Fail with ConflictException if the file exists (atomic create).</summary>
    public bool Exclusive { get; init; }

    /// <summary>Unix permission bits for the new file; secrets use 0600. Null: the store's default (0644).</summary>
    public UnixFileMode? Mode { get; init; }

    /// <summary>The expected length when known (lets stores check space or preallocate); null when unknown.</summary>
    public long? ExpectedLength { get; init; }
}
