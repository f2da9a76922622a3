using System.Security.Cryptography;
using System.Text.Json;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>Longhorn's lock types (backupstore lock.go): backups and restores share one type and may run together;
/// a deletion excludes both.</summary>
public enum BlockStoreLockType
{
    BackupOrRestore = 1,
    Deletion = 2,
}

/// <summary>Timings of <see cref="BlockStoreLock"/>; the defaults are Longhorn's.</summary>
public sealed record BlockStoreLockOptions
{
    public static readonly BlockStoreLockOptions Longhorn = new();

    /// <summary>LOCK_CHECK_WAIT_TIME: the pause between writing our lock file and reading everyone's.</summary>
    public TimeSpan CheckWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>LOCK_REFRESH_INTERVAL: how often a held lock's file is rewritten (its mtime is its heartbeat).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>LOCK_DURATION: a lock whose file is older than this is ignored.</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromSeconds(150);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// A lock on one backup volume, as Longhorn takes it: <c>locks/lock-&lt;16 hex&gt;.lck</c> holding
/// <c>{"Name":…,"Type":1|2,"Acquired":bool}</c>. Acquisition writes the file, waits <see cref="BlockStoreLockOptions.CheckWait"/>,
/// then fails if an unexpired lock of the other type has priority (acquired first, else older mtime, else smaller name).
/// Only one attempt is made: a busy volume raises ConflictException. Unlike Longhorn, a lock directory that cannot be
/// listed, or a listing without our own file, fails the acquisition instead of counting as "no locks".
/// </summary>
public sealed class BlockStoreLock : IAsyncDisposable
{
    private static readonly string[] Fields = ["Name", "Type", "Acquired"];

    private readonly IBackupStore _store;
    private readonly BlockStoreLockOptions _options;
    private readonly CancellationTokenSource _refreshStop = new();
    private Task _refresh = Task.CompletedTask;
    private int _released;

    private BlockStoreLock(IBackupStore store, string volumeName, string name, BlockStoreLockType type, BlockStoreLockOptions options)
    {
        _store = store;
        VolumeName = volumeName;
        Name = name;
        Type = type;
        _options = options;
        Path = BlockStorePaths.Lock(volumeName, name);
    }

    public string VolumeName { get; }
    public string Name { get; }
    public BlockStoreLockType Type { get; }
    public string Path { get; }

    public static async Task<BlockStoreLock> AcquireAsync(IBackupStore store, string volumeName, BlockStoreLockType type,
        BlockStoreLockOptions? options, CancellationToken ct)
    {
        options ??= BlockStoreLockOptions.Longhorn;
        var name = "lock-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        var l = new BlockStoreLock(store, volumeName, name, type, options);
        await l.SaveAsync(acquired: false, ct).ConfigureAwait(false);
        try
        {
            if (options.CheckWait > TimeSpan.Zero) await Task.Delay(options.CheckWait, options.Time, ct).ConfigureAwait(false);
            var blocker = await l.FindBlockerAsync(ct).ConfigureAwait(false);
            if (blocker is not null)
            {
                var what = type == BlockStoreLockType.Deletion ? "delete a backup of" : "back up or restore";
                throw new ConflictException("LonghornVolumeLocked",
                    $"Cannot {what} Longhorn volume '{volumeName}' now: another operation holds its lock ({blocker}). Try again later.")
                { Target = volumeName };
            }
            await l.SaveAsync(acquired: true, ct).ConfigureAwait(false);
        }
        catch
        {
            await l.RemoveFileAsync().ConfigureAwait(false);
            throw;
        }
        l._refresh = l.RefreshLoopAsync();
        return l;
    }

    /// <summary>Stops the heartbeat and removes the lock file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        _refreshStop.Cancel();
        try
        {
            await _refresh.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await RemoveFileAsync().ConfigureAwait(false);
        _refreshStop.Dispose();
    }

    internal static byte[] Serialize(string name, BlockStoreLockType type, bool acquired) =>
        new GoJsonWriter().BeginObject().String("Name", name).Int64("Type", (long)type).Bool("Acquired", acquired).EndObject().ToUtf8();

    private Task SaveAsync(bool acquired, CancellationToken ct) =>
        BlockStoreFiles.WriteAtomicallyAsync(_store, Path, Serialize(Name, Type, acquired), _options.Time, ct);

    private sealed record Observed(string Name, long Type, bool Acquired, DateTimeOffset ServerTime)
    {
        public override string ToString() => $"{Name}, type {Type}, {(Acquired ? "acquired" : "pending")} since {ServerTime:O}";
    }

    private async Task<Observed?> FindBlockerAsync(CancellationToken ct)
    {
        var dir = BlockStorePaths.LocksDirectory(VolumeName);
        IReadOnlyList<StoreEntry> entries;
        try
        {
            entries = await _store.ListAsync(dir, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw new ConflictException("LonghornLockListing", $"Cannot list the locks of Longhorn volume '{VolumeName}'; not taking its lock.", ex.Message, ex);
        }
        var now = _options.Time.GetUtcNow();
        Observed? mine = null;
        var others = new List<Observed>();
        foreach (var entry in entries)
        {
            var name = BlockStorePaths.ExtractName(entry.Name, "", BlockStorePaths.LockSuffix);
            if (name is null || entry.IsDirectory) continue;
            var observed = await TryLoadAsync(name, ct).ConfigureAwait(false);
            if (observed is null) continue;
            if (name == Name) mine = observed;
            else others.Add(observed);
        }
        if (mine is null)
            throw new ConflictException("LonghornLockListing", $"The lock listing of Longhorn volume '{VolumeName}' does not show our own lock; not trusting it.");
        foreach (var other in others)
        {
            var differentType = other.Type != (long)Type;
            var expired = now - other.ServerTime > _options.Expiry;
            if (differentType && !expired && Compare(other, mine) < 0) return other;
        }
        return null;
    }

    // compareLocks: acquired locks first, then older server time, then name.
    private static int Compare(Observed a, Observed b)
    {
        if (a.Acquired != b.Acquired) return a.Acquired ? -1 : 1;
        var t = a.ServerTime.UtcDateTime.CompareTo(b.ServerTime.UtcDateTime);
        return t != 0 ? t : string.CompareOrdinal(a.Name, b.Name);
    }

    private async Task<Observed?> TryLoadAsync(string name, CancellationToken ct)
    {
        var path = BlockStorePaths.Lock(VolumeName, name);
        try
        {
            var stat = await _store.StatAsync(path, ct).ConfigureAwait(false);
            if (stat is null) return null; // released meanwhile
            var bytes = await _store.ReadAllAsync(path, ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(bytes);
            var o = new GoJsonObject(doc.RootElement, Fields);
            return new Observed(o.GetString("Name"), o.GetInt64("Type"), o.GetBool("Acquired"), stat.LastWriteTime);
        }
        catch (NotFoundException)
        {
            return null; // released between listing and reading
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return null; // Longhorn skips locks it cannot load
        }
    }

    private async Task RefreshLoopAsync()
    {
        var ct = _refreshStop.Token;
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(_options.RefreshInterval, _options.Time, ct).ConfigureAwait(false);
            try
            {
                await SaveAsync(acquired: true, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or WildBackupException)
            {
                // Nothing to do but try again at the next interval (Longhorn: expiry is 2.5 × the refresh interval).
            }
        }
    }

    /// <summary>Best effort: an orphaned lock expires 150 s after its last write.</summary>
    private Task RemoveFileAsync() => _store.DeleteFileQuietlyAsync(Path);
}
