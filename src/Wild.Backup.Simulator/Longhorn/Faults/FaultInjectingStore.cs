using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Simulator.Longhorn.Faults;

/// <summary>
/// Wraps a backup target's store with the target-level knobs of <see cref="LonghornFaults"/>: an unavailable
/// target fails every call (and every read or write of an open file) with StorageUnreachableException; a throughput
/// limit paces file reads and writes.
/// </summary>
internal sealed class FaultInjectingStore(IBackupStore inner, LonghornFaults faults, Throttle throttle, string targetName, string targetUrl) : DelegatingStore(inner)
{
    internal void Check()
    {
        if (faults.IsTargetUnavailable(targetName)) throw new StorageUnreachableException($"backup target {targetUrl} is unavailable (simulated)");
    }

    public override Task ProbeAsync(CancellationToken ct) { Check(); return base.ProbeAsync(ct); }
    public override Task<StoreEntry?> StatAsync(string path, CancellationToken ct) { Check(); return base.StatAsync(path, ct); }
    public override Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) { Check(); return base.ListAsync(directory, ct); }
    public override Task CreateDirectoryAsync(string path, CancellationToken ct) { Check(); return base.CreateDirectoryAsync(path, ct); }
    public override Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct) { Check(); return base.RenameAsync(from, to, overwrite, ct); }
    public override Task DeleteFileAsync(string path, CancellationToken ct) { Check(); return base.DeleteFileAsync(path, ct); }
    public override Task DeleteDirectoryAsync(string path, CancellationToken ct) { Check(); return base.DeleteDirectoryAsync(path, ct); }
    public override Task<StoreSpace> GetSpaceAsync(CancellationToken ct) { Check(); return base.GetSpaceAsync(ct); }
    public override Task FlushAsync(CancellationToken ct) { Check(); return base.FlushAsync(ct); }

    public override async Task<Stream> OpenReadAsync(string path, CancellationToken ct)
    {
        Check();
        return new FaultInjectingStream(await base.OpenReadAsync(path, ct).ConfigureAwait(false), this, throttle);
    }

    public override async Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct)
    {
        Check();
        return new FaultInjectingStream(await base.CreateFileAsync(path, options, ct).ConfigureAwait(false), this, throttle);
    }
}
