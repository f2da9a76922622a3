using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// Keeps exactly one complete backup per slot across crashes. A new backup is written into
/// <c>.{name}.staging-{id}/</c> and becomes complete ("sealed") when its <c>backup.json</c> appears. Publishing is
/// two renames and a delete: live → <c>.{name}.old-{id}</c>, staging → live, and (once that is durable) delete old. Killed at any point, one of
/// these holds a complete backup, and <see cref="ResolveAsync"/> finds it: the live one, else the newest sealed
/// staging, else the newest old. <see cref="RepairAsync"/> (under the slot's lock) puts that one back in place and
/// removes the leftovers.
/// </summary>
public sealed class BackupSlot(IBackupStore store, BackupSlotAddress address)
{
    public BackupSlotAddress Address => address;

    /// <summary>The path of the slot's complete backup, or null when it has none.</summary>
    public async Task<string?> ResolveAsync(CancellationToken ct)
    {
        var state = await ReadStateAsync(null, ct).ConfigureAwait(false);
        return state.Live ?? state.SealedStaging.LastOrDefault() ?? state.Old.LastOrDefault();
    }

    /// <summary>Restores the invariant after a crash: the complete backup sits at the live path, nothing else is left.
    /// Call while holding the slot's lock. <paramref name="parentListing"/>: the parent directory listed after the lock
    /// was taken (lets a batch list a directory once for all its slots) — all of it or just this slot's entries
    /// (<see cref="BackupSlotAddress.SlotOf"/>); null lists it here.</summary>
    public async Task RepairAsync(IReadOnlyList<StoreEntry>? parentListing, CancellationToken ct)
    {
        var state = await ReadStateAsync(parentListing, ct).ConfigureAwait(false);
        var keep = state.Live;
        if (keep is null && (state.SealedStaging.LastOrDefault() ?? state.Old.LastOrDefault()) is { } survivor)
        {
            await store.RenameAsync(survivor, address.LivePath, overwrite: false, ct).ConfigureAwait(false);
            await store.FlushAsync(ct).ConfigureAwait(false);
            keep = address.LivePath;
        }
        foreach (var leftover in state.SealedStaging.Concat(state.UnsealedStaging).Concat(state.Old))
        {
            if (leftover == keep || leftover == address.LivePath) continue;
            await store.DeleteDirectoryAsync(leftover, ct).ConfigureAwait(false);
        }
        foreach (var temp in state.LockTemps) await store.DeleteFileAsync(temp, ct).ConfigureAwait(false);
    }

    /// <summary>A fresh staging directory path (not yet created).</summary>
    public string NewStagingPath() => StorePath.Combine(address.Parent, address.StagingPrefix + SortableId.New());

    /// <summary>Swaps a sealed staging directory in as the live backup. Returns where the previous backup now is
    /// (to be deleted by the caller once the swap is durable), or null when there was none.</summary>
    public async Task<string?> PublishAsync(string stagingPath, CancellationToken ct)
    {
        string? old = null;
        if (await store.StatAsync(address.LivePath, ct).ConfigureAwait(false) is not null)
        {
            old = StorePath.Combine(address.Parent, address.OldPrefix + SortableId.New());
            await store.RenameAsync(address.LivePath, old, overwrite: false, ct).ConfigureAwait(false);
        }
        await store.RenameAsync(stagingPath, address.LivePath, overwrite: false, ct).ConfigureAwait(false);
        return old;
    }

    private async Task<SlotState> ReadStateAsync(IReadOnlyList<StoreEntry>? listing, CancellationToken ct)
    {
        IReadOnlyList<StoreEntry> entries;
        try
        {
            entries = listing ?? await store.ListAsync(address.Parent, ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return new SlotState(null, [], [], [], []);
        }
        string? live = null;
        var sealedStaging = new List<string>();
        var unsealed = new List<string>();
        var old = new List<string>();
        var lockTemps = new List<string>();
        foreach (var e in entries.Where(IsMine).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (e.IsDirectory && e.Name == address.Name)
            {
                live = e.Path;
            }
            else if (e.IsDirectory && e.Name.StartsWith(address.StagingPrefix, StringComparison.Ordinal))
            {
                var isSealed = await store.StatAsync(StorePath.Combine(e.Path, BackupLayout.RecordFile), ct).ConfigureAwait(false) is { IsDirectory: false };
                (isSealed ? sealedStaging : unsealed).Add(e.Path);
            }
            else if (e.IsDirectory && e.Name.StartsWith(address.OldPrefix, StringComparison.Ordinal))
            {
                old.Add(e.Path);
            }
            else if (!e.IsDirectory && e.Name.StartsWith(address.LockTempPrefix, StringComparison.Ordinal) && e.Name.EndsWith(".tmp", StringComparison.Ordinal))
            {
                lockTemps.Add(e.Path);
            }
        }
        return new SlotState(live, sealedStaging, unsealed, old, lockTemps);
    }

    private bool IsMine(StoreEntry e) => e.Name == address.Name || e.Name.StartsWith("." + address.Name + ".", StringComparison.Ordinal);

    private sealed record SlotState(string? Live, List<string> SealedStaging, List<string> UnsealedStaging, List<string> Old, List<string> LockTemps);
}

/// <summary>Ids that sort by creation time: <c>20261124T044055123Z-1a2b3c</c>.</summary>
public static class SortableId
{
    public static string New() => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
}
