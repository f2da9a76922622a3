using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.Core.Restores;

/// <summary>
/// Removes the old deployment after a switch (<c>restore_cleanup</c>): deletes the old namespace — its claims, and with
/// them volumes Longhorn provisioned — waiting until Kubernetes has finished (up to the timeout), then
/// <c>apps/{app}-old/</c>. With <see cref="RestoreStepOptions.DiscardRestore"/> it instead throws away a restored copy
/// that was never switched to. It never deletes the namespace the live app runs in.
/// </summary>
internal sealed class BlueGreenCleanup(IKubernetesCluster cluster, BlueGreenLayout layout, RestoreStepOptions options, ProgressReporter progress, TimeSpan poll)
{
    public async Task<RestoreCleanupResult> RunAsync(CancellationToken ct)
    {
        var app = layout.App;
        progress.Milestone(Milestones.Cleanup.Checking, app);
        var dir = layout.RequireCanCleanUp(options.DiscardRestore);

        var ns = layout.NamespaceOf(dir);
        if (Directory.Exists(layout.LiveDir) && ns == layout.LiveNamespace)
        {
            throw new ConflictException("CleanupWouldDeleteLive",
                $"{BlueGreenLayout.Show(dir)} deploys to namespace {ns}, where the live app runs; refusing to delete it. Check the directories by hand.") { Target = app };
        }
        var deleted = new List<string>();
        progress.Milestone(Milestones.Cleanup.DeletingNamespace, ns);
        if (await BlueGreenHealth.NamespaceExistsAsync(cluster, ns, ct).ConfigureAwait(false))
        {
            await BlueGreenHealth.DeleteNamespaceAsync(cluster, ns, options.Timeout, poll, progress.Verbose, ct).ConfigureAwait(false);
            deleted.Add(ns);
        }
        else
        {
            progress.Verbose($"Namespace {ns} no longer exists");
        }
        progress.Milestone(Milestones.Cleanup.RemovingDirectory, BlueGreenLayout.Show(dir));
        Directory.Delete(dir, recursive: true);
        AtomicFile.SyncDirectory(layout.Instance.AppsPath);
        progress.Milestone(Milestones.Cleanup.Complete, string.Join(", ", deleted.Append(BlueGreenLayout.Show(dir))));
        return new RestoreCleanupResult { Instance = layout.Instance.Name, App = app, DeletedNamespaces = deleted, RemovedDirectories = [dir] };
    }
}
