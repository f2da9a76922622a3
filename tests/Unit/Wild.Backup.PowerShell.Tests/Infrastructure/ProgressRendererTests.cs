using System.Management.Automation;
using Wild.Backup.Core.Progress;
using Wild.Backup.PowerShell.Infrastructure;
using Xunit;

namespace Wild.Backup.PowerShell.Tests.Infrastructure;

/// <summary>The progress bars a person sees: a parent bar per run, a child bar per app in flight, bytes and rate, and a
/// Completed record for every bar — also with several apps in flight at once and runs that end early.</summary>
public sealed class ProgressRendererTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static OperationEvent App(string app, Milestone m, int percent, double seconds, long? done = null, long? total = null, bool completed = false) => new()
    {
        Target = "apps/" + app, Activity = $"Backing up app {app}", Milestone = m.Name, Percent = percent, Parent = "instance",
        BytesDone = done, BytesTotal = total, Completed = completed, Time = T0.AddSeconds(seconds), Message = app == "gitea" ? "data-gitea" : null,
    };

    private static OperationEvent Run(int percent, double seconds, bool completed = false) => new()
    {
        Target = "instance", Activity = "Backing up 2 apps of demo-cloud", Milestone = "Backing up apps", Percent = percent, Time = T0.AddSeconds(seconds), Completed = completed,
    };

    [Fact]
    public void Apps_in_flight_at_once_get_their_own_child_bars_under_the_runs_bar()
    {
        var r = new ProgressRenderer();
        var records = new List<ProgressRecord>();
        records.AddRange(r.Render(Run(0, 0)));
        records.AddRange(r.Render(App("gitea", Milestones.Backup.CreatingSnapshot, 10, 0.1)));
        records.AddRange(r.Render(App("redis", Milestones.Backup.CreatingSnapshot, 10, 0.1)));
        records.AddRange(r.Render(App("gitea", Milestones.Backup.ExportingData, 60, 1, 10 << 20, 40 << 20)));
        records.AddRange(r.Render(App("redis", Milestones.Backup.ExportingData, 55, 1.2, 1 << 20, 8 << 20)));

        var run = records[0];
        Assert.Equal(-1, run.ParentActivityId);
        var gitea = records.Where(p => p.Activity == "Backing up app gitea").ToList();
        var redis = records.Where(p => p.Activity == "Backing up app redis").ToList();
        Assert.NotEqual(gitea[0].ActivityId, redis[0].ActivityId);
        Assert.All(gitea.Concat(redis), p => Assert.Equal(run.ActivityId, p.ParentActivityId));
        Assert.All(gitea, p => Assert.Equal(gitea[0].ActivityId, p.ActivityId));
        Assert.Equal("Exporting data: data-gitea", gitea[^1].StatusDescription);
        Assert.Equal(60, gitea[^1].PercentComplete);
    }

    [Fact]
    public void A_child_that_reports_before_its_run_opens_the_runs_bar_first()
    {
        var r = new ProgressRenderer();
        var first = r.Render(App("gitea", Milestones.Backup.CreatingSnapshot, 10, 0));
        Assert.Equal(2, first.Count);
        Assert.Equal(-1, first[0].ParentActivityId);
        Assert.Equal(first[0].ActivityId, first[1].ParentActivityId);
        var run = Assert.Single(r.Render(Run(50, 1)));
        Assert.Equal(first[0].ActivityId, run.ActivityId);
        Assert.Equal("Backing up 2 apps of demo-cloud", run.Activity);
    }

    [Fact]
    public void Bytes_show_the_amount_the_rate_and_the_time_left()
    {
        var r = new ProgressRenderer();
        var start = r.Render(App("gitea", Milestones.Backup.ExportingData, 50, 0, 0, 64 << 20))[^1];
        Assert.Equal("0 B of 64.0 MiB", start.CurrentOperation);
        Assert.Equal(-1, start.SecondsRemaining);
        var later = r.Render(App("gitea", Milestones.Backup.ExportingData, 70, 2, 32 << 20, 64 << 20))[^1];
        Assert.Equal("32.0 MiB of 64.0 MiB, 16.0 MiB/s", later.CurrentOperation);
        Assert.Equal(2, later.SecondsRemaining);
    }

    [Fact]
    public void A_new_range_measures_its_rate_afresh()
    {
        var r = new ProgressRenderer();
        r.Render(App("gitea", Milestones.Backup.ExportingData, 50, 0, 0, 100 << 20));
        r.Render(App("gitea", Milestones.Backup.ExportingData, 90, 100, 100 << 20, 100 << 20));
        var import = new OperationEvent { Target = "apps/gitea", Activity = "Restoring app gitea", Milestone = Milestones.Restore.ImportingVolumes.Name, Percent = 30, BytesDone = 0, BytesTotal = 10 << 20, Time = T0.AddSeconds(200) };
        Assert.Equal("0 B of 10.0 MiB", Assert.Single(r.Render(import)).CurrentOperation);
        var half = r.Render(import with { BytesDone = 5 << 20, Percent = 50, Time = T0.AddSeconds(201) });
        Assert.Equal("5.0 MiB of 10.0 MiB, 5.0 MiB/s", Assert.Single(half).CurrentOperation);
    }

    [Fact]
    public void Every_bar_ends_with_one_completed_record_children_before_the_run()
    {
        var r = new ProgressRenderer();
        r.Render(Run(0, 0));
        r.Render(App("gitea", Milestones.Backup.ExportingData, 60, 1, 1, 2));
        var done = Assert.Single(r.Render(App("redis", Milestones.Backup.Complete, 100, 1, completed: true)), p => p.Activity.EndsWith("redis", StringComparison.Ordinal));
        Assert.Equal(ProgressRecordType.Completed, done.RecordType);

        // The run ends early (gitea failed, or Ctrl-C): the open bars are closed, the child first; redis is not closed twice.
        var finish = r.Finish();
        Assert.Equal(["Backing up app gitea", "Backing up 2 apps of demo-cloud"], finish.Select(p => p.Activity));
        Assert.All(finish, p => Assert.Equal(ProgressRecordType.Completed, p.RecordType));
        Assert.Empty(r.Finish());
    }

    [Fact]
    public void A_run_that_completes_leaves_nothing_to_close()
    {
        var r = new ProgressRenderer();
        r.Render(App("gitea", Milestones.Backup.Complete, 100, 1, completed: true));
        r.Render(Run(100, 2, completed: true));
        Assert.Empty(r.Finish());
    }
}
