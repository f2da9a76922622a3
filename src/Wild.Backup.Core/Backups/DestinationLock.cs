using System.Diagnostics;
using System.Text.Json;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Backups;

/// <summary>What a lock file says about its holder.</summary>
public sealed record LockOwner
{
    public required string Id { get; init; }
    public required string Operation { get; init; }
    public required string User { get; init; }
    public required string Host { get; init; }
    public required int Pid { get; init; }
    /// <summary>When the holding process started, to tell a live holder from a reused pid.</summary>
    public DateTimeOffset? ProcessStartedAt { get; init; }
    public required DateTimeOffset AcquiredAt { get; init; }
    public required DateTimeOffset RefreshedAt { get; init; }
}

/// <summary>
/// A lock on the destination, shared by every host that writes there: a small JSON file naming its holder, created
/// complete (written to a temp name, then renamed into place without overwriting) so it is never half-written.
/// A lock whose holder stopped refreshing it for <see cref="StaleAfter"/>, or whose holder is a dead process on this
/// host, is stale and is taken over. While held, it is refreshed in the background.
/// </summary>
public sealed class DestinationLock : IAsyncDisposable
{
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>The locks this process holds right now. A lock naming this process that is not among them was left by a
    /// run that ended without removing it (storage went away at the end): stale at once.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> HeldHere = new(StringComparer.Ordinal);

    private readonly IBackupStore _store;
    private readonly string _path;
    private readonly string _tempPrefix;
    private readonly CancellationTokenSource _refreshStop = new();
    private LockOwner _owner;
    private Task? _refresher;

    private DestinationLock(IBackupStore store, string path, string tempPrefix, LockOwner owner, TimeSpan staleAfter)
    {
        _store = store;
        _path = path;
        _tempPrefix = tempPrefix;
        _owner = owner;
        StaleAfter = staleAfter;
    }

    public TimeSpan StaleAfter { get; }
    public LockOwner Owner => _owner;

    /// <summary>Takes the lock for <paramref name="address"/> or throws ConflictException ("already running") naming the holder.</summary>
    public static async Task<DestinationLock> AcquireAsync(IBackupStore store, BackupSlotAddress address, string operation, string what, TimeSpan? staleAfter, CancellationToken ct)
    {
        var stale = staleAfter ?? DefaultStaleAfter;
        var now = DateTimeOffset.UtcNow;
        var owner = new LockOwner
        {
            Id = Guid.NewGuid().ToString("N"),
            Operation = operation,
            User = Me.Value.User,
            Host = Me.Value.Host,
            Pid = Environment.ProcessId,
            ProcessStartedAt = OwnStartTime.Value,
            AcquiredAt = now,
            RefreshedAt = now,
        };
        var l = new DestinationLock(store, address.LockPath, address.LockTempPrefix, owner, stale);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            HeldHere[owner.Id] = 0;
            if (await l.TryCreateAsync(ct).ConfigureAwait(false))
            {
                l._refresher = l.RefreshLoopAsync();
                return l;
            }
            HeldHere.TryRemove(owner.Id, out _);
            var holder = await ReadAsync(store, address.LockPath, ct).ConfigureAwait(false);
            if (holder is null) continue; // released meanwhile
            if (!IsStale(holder.Value.Owner, holder.Value.Modified, stale))
            {
                var h = holder.Value.Owner;
                var by = h is null ? "another process" : $"{h.Operation} by {h.User}@{h.Host} (pid {h.Pid}) since {h.AcquiredAt:u}";
                throw new ConflictException("AlreadyRunning",
                    $"A backup or restore of {what} is already running: {by}. Wait for it to finish; a lock left by a crashed run expires after {stale.TotalMinutes:0} minutes.")
                { Target = what };
            }
            // Stale: move it aside (only one contender wins that rename), drop it, and try again.
            var aside = StorePath.Combine(address.Parent, address.LockTempPrefix + "stale-" + SortableId.New() + ".tmp");
            try
            {
                await store.RenameAsync(address.LockPath, aside, overwrite: false, ct).ConfigureAwait(false);
                await store.DeleteFileAsync(aside, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NotFoundException or ConflictException)
            {
                // Someone else moved it first.
            }
        }
        throw new ConflictException("AlreadyRunning", $"Could not take the lock for {what}: other runs keep taking it. Try again.") { Target = what };
    }

    private async Task<bool> TryCreateAsync(CancellationToken ct)
    {
        var temp = StorePath.Combine(StorePath.GetParent(_path)!, _tempPrefix + _owner.Id + ".tmp");
        try
        {
            await WriteJsonAsync(temp, ct).ConfigureAwait(false);
            await _store.RenameAsync(temp, _path, overwrite: false, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConflictException)
        {
            await _store.DeleteFileQuietlyAsync(temp).ConfigureAwait(false);
            return false;
        }
        catch
        {
            // Cancelled or failed half-way: leave no temp file behind (the next repair would remove it, but only then).
            await _store.DeleteFileQuietlyAsync(temp).ConfigureAwait(false);
            throw;
        }
    }

    private async Task WriteJsonAsync(string path, CancellationToken ct)
    {
        await using var s = await _store.CreateFileAsync(path, CreateOptions.Default, ct).ConfigureAwait(false);
        await s.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(_owner), ct).ConfigureAwait(false);
    }

    private async Task RefreshLoopAsync()
    {
        var every = TimeSpan.FromTicks(Math.Max(StaleAfter.Ticks / 3, TimeSpan.FromSeconds(1).Ticks));
        try
        {
            while (true)
            {
                // Released is the common way out: end quietly, without an exception per lock.
                await Task.Delay(every, _refreshStop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (_refreshStop.IsCancellationRequested) return;
                var current = await ReadAsync(_store, _path, _refreshStop.Token).ConfigureAwait(false);
                if (current?.Owner?.Id != _owner.Id) return; // taken over after going stale: stop touching it
                _owner = _owner with { RefreshedAt = DateTimeOffset.UtcNow };
                var temp = StorePath.Combine(StorePath.GetParent(_path)!, _tempPrefix + _owner.Id + ".tmp");
                await WriteJsonAsync(temp, _refreshStop.Token).ConfigureAwait(false);
                await _store.RenameAsync(temp, _path, overwrite: true, _refreshStop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is IOException or WildBackupException)
        {
            // The operation itself will hit the same storage problem and report it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        HeldHere.TryRemove(_owner.Id, out _);
        _refreshStop.Cancel();
        if (_refresher is not null) await _refresher.ConfigureAwait(false);
        _refreshStop.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var current = await ReadOwnerAsync(_store, _path, timeout.Token).ConfigureAwait(false);
            if (current?.Id == _owner.Id) await _store.DeleteFileAsync(_path, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or WildBackupException or OperationCanceledException)
        {
            // Left behind, it goes stale; the next run on this host takes it over at once (dead pid).
        }
    }

    private static async Task<(LockOwner? Owner, DateTimeOffset Modified)?> ReadAsync(IBackupStore store, string path, CancellationToken ct)
    {
        var entry = await store.StatAsync(path, ct).ConfigureAwait(false);
        if (entry is null) return null;
        try
        {
            return (await ReadOwnerAsync(store, path, ct).ConfigureAwait(false), entry.LastWriteTime);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>The holder a lock file names; null when it cannot be parsed. NotFoundException when there is none.</summary>
    private static async Task<LockOwner?> ReadOwnerAsync(IBackupStore store, string path, CancellationToken ct)
    {
        var json = await store.ReadAllAsync(path, ct).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<LockOwner>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Who this process is (asking costs a passwd lookup and a uname each time).</summary>
    private static readonly Lazy<(string User, string Host)> Me = new(() => (Environment.UserName, Environment.MachineName));

    private static readonly Lazy<DateTimeOffset?> OwnStartTime = new(() =>
    {
        using var me = Process.GetCurrentProcess();
        return SafeStartTime(me);
    });

    private static bool IsStale(LockOwner? owner, DateTimeOffset modified, TimeSpan staleAfter)
    {
        var last = owner?.RefreshedAt > modified ? owner.RefreshedAt : modified;
        if (DateTimeOffset.UtcNow - last > staleAfter) return true;
        return owner is not null && owner.Host == Me.Value.Host && !IsAlive(owner);
    }

    private static bool IsAlive(LockOwner owner)
    {
        if (owner.Pid == Environment.ProcessId) return HeldHere.ContainsKey(owner.Id);
        try
        {
            using var p = Process.GetProcessById(owner.Pid);
            if (p.HasExited) return false;
            var started = SafeStartTime(p);
            return owner.ProcessStartedAt is null || started is null || Math.Abs((started.Value - owner.ProcessStartedAt.Value).TotalSeconds) < 2;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static DateTimeOffset? SafeStartTime(Process p)
    {
        try
        {
            return new DateTimeOffset(p.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }
}
