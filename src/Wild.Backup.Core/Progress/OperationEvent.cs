namespace Wild.Backup.Core.Progress;

/// <summary>What an operation event is.</summary>
public enum OperationEventKind
{
    /// <summary>A milestone or percent change: rendered as Write-Progress, an SSE progress event, an operation update.</summary>
    Progress,
    /// <summary>Detail for people who asked for it (-Verbose, logs).</summary>
    Verbose,
    /// <summary>Something the person should know that did not stop the work (an absent optional file).</summary>
    Warning,
}

/// <summary>
/// One thing the engine says about running work. Progress is data: the engine only produces these;
/// PowerShell turns them into Write-Progress/WriteVerbose/WriteWarning, the HTTP host into operation
/// updates and SSE events. Messages never contain secret values.
/// </summary>
public sealed record OperationEvent
{
    public OperationEventKind Kind { get; init; } = OperationEventKind.Progress;

    /// <summary>What the event is about: <c>apps/gitea</c>, <c>cluster</c>, or <c>instance</c> for a whole-instance run.</summary>
    public required string Target { get; init; }

    /// <summary>A short title for the target's work, e.g. "Backing up app gitea".</summary>
    public required string Activity { get; init; }

    /// <summary>The milestone name ("Exporting data"); for Verbose/Warning the text itself.</summary>
    public required string Milestone { get; init; }

    /// <summary>0–100 on this target's own scale (see <see cref="Milestones"/>).</summary>
    public int Percent { get; init; }

    /// <summary>Optional detail line ("config.tar.gz", "2 of 5 apps").</summary>
    public string? Message { get; init; }

    public long? BytesDone { get; init; }
    public long? BytesTotal { get; init; }

    /// <summary>The target <see cref="Target"/> belongs to when it is part of a larger run (e.g. <c>instance</c>), else null.</summary>
    public string? Parent { get; init; }

    /// <summary>True on the target's last progress event.</summary>
    public bool Completed { get; init; }

    public DateTimeOffset Time { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>The one interface through which the engine reports running work. Must be cheap and must not throw;
/// may be called from any thread.</summary>
public interface IOperationObserver
{
    void OnEvent(OperationEvent e);
}

/// <summary>Discards everything (reporters skip building events for it).</summary>
public sealed class NullObserver : IOperationObserver
{
    public static readonly NullObserver Instance = new();
    public void OnEvent(OperationEvent e) { }
}
