namespace Wild.Backup.Core.Progress;

/// <summary>
/// Reports one target's progress through an <see cref="IOperationObserver"/>: milestones, byte counts inside a range
/// milestone, verbose lines and warnings. Byte updates are only sent when the percent or message changes, so a
/// large transfer does not flood front ends.
/// </summary>
public sealed class ProgressReporter(IOperationObserver observer, string target, string activity, string? parent = null)
{
    private int _lastPercent = -1;
    private string? _lastMilestone;
    private string? _lastMessage;

    public string Target => target;

    public void Milestone(Milestone m, string? message = null) => Send(m, m.Percent, message, null, null, completed: m.Percent >= 100);

    /// <summary>Progress inside a range milestone (50–90 "Exporting data"), by bytes.</summary>
    public void Bytes(Milestone m, long done, long total, string? message = null)
    {
        if (observer is NullObserver) return;
        var percent = m.At(done, total);
        if (percent == _lastPercent && m.Name == _lastMilestone && message == _lastMessage) return;
        Send(m, percent, message, done, total, completed: false);
    }

    public void Verbose(string text) => observer.OnEvent(new OperationEvent
    {
        Kind = OperationEventKind.Verbose, Target = target, Activity = activity, Milestone = text, Percent = Math.Max(_lastPercent, 0), Parent = parent,
    });

    public void Warning(string text) => observer.OnEvent(new OperationEvent
    {
        Kind = OperationEventKind.Warning, Target = target, Activity = activity, Milestone = text, Percent = Math.Max(_lastPercent, 0), Parent = parent,
    });

    private void Send(Milestone m, int percent, string? message, long? done, long? total, bool completed)
    {
        _lastPercent = percent;
        _lastMilestone = m.Name;
        _lastMessage = message;
        observer.OnEvent(new OperationEvent
        {
            Target = target, Activity = activity, Milestone = m.Name, Percent = percent, Message = message,
            BytesDone = done, BytesTotal = total, Parent = parent, Completed = completed,
        });
    }
}
