using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Backups;

/// <summary>The latest backup of an app or of the cluster, as stored on the destination.</summary>
public sealed record BackupInfo
{
    public required BackupKind Kind { get; init; }
    public required string Instance { get; init; }
    /// <summary>The app's name, or <c>cluster</c>.</summary>
    public required string Name { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required TimeSpan Duration { get; init; }
    /// <summary>Bytes of all its files.</summary>
    public required long Size { get; init; }
    /// <summary>Where it is: destination and path, e.g. <c>/mnt/nas/prod/backups/apps/gitea</c>.</summary>
    public required string Location { get; init; }
    public required IReadOnlyList<BackupFileRecord> Files { get; init; }
    public IReadOnlyList<string> Absent { get; init; } = [];
    public string? ToolVersion { get; init; }
    public string? Host { get; init; }
    /// <summary>The app's volumes backed up by Longhorn (see <see cref="BackupVolumeRecord"/>).</summary>
    public IReadOnlyList<BackupVolumeRecord> Volumes { get; init; } = [];

    internal static BackupInfo From(BackupRecord r, string location) => new()
    {
        Kind = r.Kind,
        Instance = r.Instance,
        Name = r.App ?? BackupLayout.ClusterSlot,
        CreatedAt = r.CreatedAt,
        Duration = TimeSpan.FromSeconds(r.DurationSeconds),
        Size = r.TotalBytes,
        Location = location,
        Files = r.Files,
        Absent = r.Absent,
        ToolVersion = r.ToolVersion,
        Host = r.Host,
        Volumes = r.Volumes,
    };
}

/// <summary>One app's (or the cluster's) part of a multi-target run: its backup, or why it failed
/// (usually a <see cref="WildBackupException"/>; an unexpected I/O error from storage or the instance is passed on as is).</summary>
public sealed record BackupOutcome(string Name, BackupInfo? Backup, Exception? Error);

/// <summary>What <c>Test-WildBackup</c> found for one backup.</summary>
public sealed record BackupTestResult
{
    public required BackupKind Kind { get; init; }
    public required string Instance { get; init; }
    public required string Name { get; init; }
    public required string Location { get; init; }
    public bool Passed => Problems.Count == 0;
    public required int FilesChecked { get; init; }
    public required long BytesChecked { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public required IReadOnlyList<BackupProblem> Problems { get; init; }

    /// <summary>Longhorn backups this backup superseded whose deletion is still not confirmed (after the test retried
    /// them): "&lt;backup&gt; of claim &lt;claim&gt;: &lt;why&gt;". They are the previous backup's data, kept in Longhorn's store until
    /// a deletion is confirmed; not a problem of this backup.</summary>
    public IReadOnlyList<string> PendingDeletions { get; init; } = [];
    /// <summary>What an intact backup lacks for a full restore (a cluster backup without the Talos PKI). Not damage.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
