namespace Wild.Backup.Core.Restores;

/// <summary>What a restore did, item by item.</summary>
public sealed record RestoreResult
{
    public required string Instance { get; init; }
    /// <summary>The instance whose backup was restored (differs from <see cref="Instance"/> when migrating).</summary>
    public string? FromInstance { get; init; }
    public string? BackupLocation { get; init; }
    public required IReadOnlyList<RestoredItem> Items { get; init; }
}

public enum RestoreAction
{
    /// <summary>Did not exist; written from the backup.</summary>
    Created,
    /// <summary>Replaced by the backup's copy; the previous one is kept beside it (<see cref="RestoredItem.PreviousSavedAs"/>).</summary>
    Replaced,
    /// <summary>The backup's part merged in, the rest of the file kept.</summary>
    Merged,
    /// <summary>Already identical to the backup.</summary>
    Unchanged,
    /// <summary>The backup recorded this item as absent; the instance's copy was left alone.</summary>
    AbsentInBackup,
}

public sealed record RestoredItem(string Item, string Path, RestoreAction Action, string? PreviousSavedAs = null);
