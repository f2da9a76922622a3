using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Longhorn.Api;
using Wild.Backup.Simulator.Longhorn.Targets;

namespace Wild.Backup.Simulator.Longhorn;

public sealed partial class LonghornDataPlane
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// BackupTarget created or changed: <paramref name="url"/> is what Longhorn is told (<c>nfs://server:/export</c>),
    /// <paramref name="directory"/> where that location is on this machine (e.g. the NFS-Ganesha helper's export).
    /// </summary>
    public BackupTargetInfo SetBackupTarget(string name, string url, string directory)
    {
        ThrowIfDisposed();
        var t = _targets.Set(name, url, directory);
        return new BackupTargetInfo(t.Name, new BackupTargetSpec { BackupTargetUrl = t.Url }, new BackupTargetStatus());
    }

    /// <summary>BackupTarget deleted, or its URL can no longer be mapped to a directory: backups to it are refused from now on.</summary>
    public bool RemoveBackupTarget(string name)
    {
        ThrowIfDisposed();
        return _targets.Remove(name);
    }

    /// <summary>A target's URL and the local directory it maps to, or null when the target is unknown.</summary>
    public (string Url, string Directory)? GetBackupTargetLocation(string name) =>
        _targets.All.FirstOrDefault(t => t.Name == name) is { } t ? (t.Url, t.Directory) : null;

    /// <summary>BackupTarget sync: available when its location can be listed now; otherwise an Unavailable condition says why.</summary>
    public async Task<BackupTargetInfo> GetBackupTargetAsync(string name, CancellationToken ct)
    {
        ThrowIfDisposed();
        var t = _targets.Get(name);
        var error = await ProbeAsync(t, ct).ConfigureAwait(false);
        var now = Now();
        var condition = new LonghornCondition
        {
            Type = "Unavailable",
            Status = error is null ? "False" : "True",
            Reason = error is null ? "" : "Unavailable",
            Message = error ?? "",
            LastTransitionTime = now,
        };
        return new BackupTargetInfo(t.Name, new BackupTargetSpec { BackupTargetUrl = t.Url },
            new BackupTargetStatus { Available = error is null, Conditions = [condition], LastSyncedAt = now });
    }

    public IReadOnlyList<string> ListBackupTargetNames() => [.. _targets.All.Select(t => t.Name)];

    /// <summary>Null when the target answers a listing within <see cref="ProbeTimeout"/>, else why not.</summary>
    private static async Task<string?> ProbeAsync(SimBackupTarget target, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(ProbeTimeout);
        try
        {
            await target.Store.ProbeAsync(cts.Token).ConfigureAwait(false);
            return null;
        }
        catch (WildBackupException ex)
        {
            return ex.Detail is null ? ex.Message : $"{ex.Message} ({ex.Detail})";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"backup target {target.Url} did not answer within {ProbeTimeout.TotalSeconds:0} s";
        }
    }
}
