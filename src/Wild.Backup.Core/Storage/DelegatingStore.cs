namespace Wild.Backup.Core.Storage;

/// <summary>Base for wrappers (retry, fault injection, metering): forwards everything to the inner store.
/// A wrapper overrides only the calls whose behaviour it changes.</summary>
public abstract class DelegatingStore(IBackupStore inner) : IBackupStore
{
    protected IBackupStore Inner { get; } = inner;

    public virtual string Location => Inner.Location;
    public virtual Task ProbeAsync(CancellationToken ct) => Inner.ProbeAsync(ct);
    public virtual Task<StoreEntry?> StatAsync(string path, CancellationToken ct) => Inner.StatAsync(path, ct);
    public virtual Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) => Inner.ListAsync(directory, ct);
    public virtual Task CreateDirectoryAsync(string path, CancellationToken ct) => Inner.CreateDirectoryAsync(path, ct);
    public virtual Task<Stream> OpenReadAsync(string path, CancellationToken ct) => Inner.OpenReadAsync(path, ct);
    public virtual Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct) => Inner.CreateFileAsync(path, options, ct);
    public virtual Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct) => Inner.RenameAsync(from, to, overwrite, ct);
    public virtual Task DeleteFileAsync(string path, CancellationToken ct) => Inner.DeleteFileAsync(path, ct);
    public virtual Task DeleteDirectoryAsync(string path, CancellationToken ct) => Inner.DeleteDirectoryAsync(path, ct);
    public virtual Task<StoreSpace> GetSpaceAsync(CancellationToken ct) => Inner.GetSpaceAsync(ct);
    public virtual Task FlushAsync(CancellationToken ct) => Inner.FlushAsync(ct);
    public virtual ValueTask DisposeAsync() => Inner.DisposeAsync();
}
