using System.Text;
using Wild.Backup.Core.Archives;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Progress;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Restores;

/// <summary>
/// Puts configuration from a validated backup back into an instance directory, per the design:
/// <list type="bullet">
/// <item>app: <c>config["apps"][app] = backup's app-config.yaml</c>, same for secrets — every other app, comment and key kept;</item>
/// <item>cluster: the backup's non-app sections, with the instance's current <c>apps</c> section kept; kubeconfig
/// replaced; <c>talos/generated/</c>, <c>setup/cluster-services/</c> and <c>setup/cluster-nodes/</c> swapped in.</item>
/// </list>
/// Files are replaced atomically; a replaced file is kept as <c>*.bak</c>; secrets files are 0600.
/// </summary>
internal static class ConfigRestore
{
    private static readonly string[] AppsKey = ["apps"];

    public static async Task<RestoreResult> RestoreClusterAsync(IBackupStore store, string dir, BackupRecord record, WildInstance instance, ProgressReporter progress, CancellationToken ct)
    {
        var items = new List<RestoredItem>();
        var files = record.Files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

        if (!files.Contains(BackupLayout.ClusterFiles.Kubeconfig))
        {
            items.Add(new RestoredItem(BackupLayout.ClusterFiles.Kubeconfig, instance.KubeconfigPath, RestoreAction.AbsentInBackup));
        }
        else
        {
            progress.Verbose("Restoring kubeconfig");
            items.Add(await ReplaceFileAsync(BackupLayout.ClusterFiles.Kubeconfig, instance.KubeconfigPath,
                await ReadAsync(store, dir, BackupLayout.ClusterFiles.Kubeconfig, ct).ConfigureAwait(false), AtomicFile.SecretMode, ct).ConfigureAwait(false));
        }

        // talos/generated as a whole (its talosconfig included); backups taken before it was backed up hold only talosconfig,
        // which goes where Wild Cloud reads it.
        if (files.Contains(BackupLayout.ClusterFiles.TalosArchive))
        {
            progress.Verbose("Restoring talos/generated");
            items.Add(await SwapInDirectoryAsync(store, StorePath.Combine(dir, BackupLayout.ClusterFiles.TalosArchive), instance.TalosGeneratedPath, instance.Path, secret: true, ct).ConfigureAwait(false));
        }
        else if (files.Contains(BackupLayout.ClusterFiles.Talosconfig))
        {
            progress.Verbose("Restoring talosconfig");
            items.Add(await ReplaceFileAsync("talos/generated/talosconfig", instance.TalosconfigPath,
                await ReadAsync(store, dir, BackupLayout.ClusterFiles.Talosconfig, ct).ConfigureAwait(false), AtomicFile.SecretMode, ct).ConfigureAwait(false));
        }
        else
        {
            items.Add(new RestoredItem("talos/generated", instance.TalosGeneratedPath, RestoreAction.AbsentInBackup));
        }
        if (!files.Contains(BackupLayout.ClusterFiles.TalosArchive) || record.Absent.Contains(BackupLayout.ClusterFiles.TalosPki))
            progress.Warning($"The backup holds no Talos cluster PKI ({BackupLayout.ClusterFiles.TalosPki}): the cluster's nodes cannot be re-created or re-joined from it.");

        foreach (var (name, path, label, mode) in new[]
        {
            (BackupLayout.ClusterFiles.ClusterConfig, instance.ConfigPath, "config.yaml", (UnixFileMode?)null),
            (BackupLayout.ClusterFiles.ClusterSecrets, instance.SecretsPath, "secrets.yaml", AtomicFile.SecretMode),
        })
        {
            if (!files.Contains(name))
            {
                items.Add(new RestoredItem(label, path, RestoreAction.AbsentInBackup));
                continue;
            }
            progress.Verbose($"Merging cluster sections into {label}");
            var backupText = Encoding.UTF8.GetString(await ReadAsync(store, dir, name, ct).ConfigureAwait(false));
            var merged = MergeClusterSections(backupText, File.Exists(path) ? await File.ReadAllTextAsync(path, ct).ConfigureAwait(false) : null, label);
            items.Add(await ReplaceFileAsync(label, path, Encoding.UTF8.GetBytes(merged), mode, ct, merged: File.Exists(path)).ConfigureAwait(false));
        }

        foreach (var (name, target, secret) in new[]
        {
            (BackupLayout.ClusterFiles.SetupArchive, instance.ClusterServicesPath, false),
            (BackupLayout.ClusterFiles.NodesArchive, instance.ClusterNodesPath, true),
        })
        {
            var item = Path.GetRelativePath(instance.Path, target).Replace('\\', '/');
            if (!files.Contains(name))
            {
                items.Add(new RestoredItem(item, target, RestoreAction.AbsentInBackup));
                continue;
            }
            progress.Verbose($"Restoring {item}");
            items.Add(await SwapInDirectoryAsync(store, StorePath.Combine(dir, name), target, instance.Path, secret, ct).ConfigureAwait(false));
        }
        return new RestoreResult { Instance = instance.Name, Items = items };
    }

    public static async Task<RestoreResult> RestoreAppConfigAsync(IBackupStore store, string dir, BackupRecord record, WildInstance instance, string app, ProgressReporter progress, CancellationToken ct)
    {
        var items = new List<RestoredItem>();
        var files = record.Files.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        string[] path = ["apps", app];
        foreach (var (name, file, label, mode) in new[]
        {
            (BackupLayout.AppFiles.AppConfig, instance.ConfigPath, "config.yaml", (UnixFileMode?)null),
            (BackupLayout.AppFiles.AppSecrets, instance.SecretsPath, "secrets.yaml", AtomicFile.SecretMode),
        })
        {
            if (!files.Contains(name))
            {
                items.Add(new RestoredItem($"{label} apps.{app}", file, RestoreAction.AbsentInBackup));
                continue;
            }
            progress.Verbose($"Merging apps.{app} into {label}");
            var section = Encoding.UTF8.GetString(await ReadAsync(store, dir, name, ct).ConfigureAwait(false));
            var existed = File.Exists(file);
            var existing = existed ? YamlDocumentText.Load(file, label) : YamlDocumentText.Parse("", label);
            var updated = existing.SetValue(path, section);
            if (updated.Text == existing.Text)
            {
                items.Add(new RestoredItem($"{label} apps.{app}", file, RestoreAction.Unchanged));
                continue;
            }
            await AtomicFile.WriteAsync(file, Encoding.UTF8.GetBytes(updated.Text), mode, ct).ConfigureAwait(false);
            items.Add(new RestoredItem($"{label} apps.{app}", file, existed ? RestoreAction.Merged : RestoreAction.Created));
        }
        return new RestoreResult { Instance = instance.Name, Items = items };
    }

    /// <summary>Extracts a tar.gz from the store into a directory that must not exist yet (extracted beside it first).</summary>
    /// <param name="rootMode">The mode the directory is created with before anything is extracted into it (a private
    /// tree is never readable by others, not even half-extracted); null: the default.</param>
    public static async Task ExtractArchiveAsync(IBackupStore store, string archivePath, string targetDir, CancellationToken ct, UnixFileMode? rootMode = null)
    {
        if (Directory.Exists(targetDir) || File.Exists(targetDir))
            throw new ConflictException("TargetExists", $"'{targetDir}' already exists; refusing to overwrite it.") { Target = targetDir };
        var parent = Path.GetDirectoryName(Path.GetFullPath(targetDir))!;
        var temp = Path.Combine(parent, "." + Path.GetFileName(targetDir) + ".extract-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            if (rootMode is { } mode && !OperatingSystem.IsWindows()) Directory.CreateDirectory(temp, mode);
            await using (var s = await store.OpenReadAsync(archivePath, ct).ConfigureAwait(false))
            {
                await SafeTarExtractor.ExtractAsync(s, temp, ExtractLimits.Config, StorePath.GetName(archivePath), ct).ConfigureAwait(false);
            }
            Directory.Move(temp, targetDir);
            AtomicFile.SyncDirectory(parent);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>
    /// The backup's cluster document with the current file's <c>apps</c> entry carried over, placed after the same
    /// top-level key it followed before (so key order survives). Without a current file, the backup's text as is.
    /// </summary>
    internal static string MergeClusterSections(string backupText, string? currentText, string label)
    {
        var backup = YamlDocumentText.Parse(backupText, label + " (backup)").Remove(AppsKey);
        if (currentText is null) return backup.Text;
        var current = YamlDocumentText.Parse(currentText, label);
        var apps = current.ExtractTopLevelEntry("apps");
        if (apps is null) return backup.Text;
        var before = current.TopLevelKeyBefore("apps");
        var placed = before is not null && backup.Contains([before])
            ? backup.InsertTopLevelEntry(apps, after: before, first: false)
            : backup.InsertTopLevelEntry(apps, after: null, first: before is null);
        return placed.Text;
    }

    private static async Task<RestoredItem> ReplaceFileAsync(string item, string path, byte[] content, UnixFileMode? mode, CancellationToken ct, bool merged = false)
    {
        if (!File.Exists(path))
        {
            await AtomicFile.WriteAsync(path, content, mode, ct).ConfigureAwait(false);
            return new RestoredItem(item, path, RestoreAction.Created);
        }
        var current = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
        if (current.AsSpan().SequenceEqual(content)) return new RestoredItem(item, path, RestoreAction.Unchanged);
        var bak = path + ".bak";
        await AtomicFile.CopyAsync(path, bak, ct).ConfigureAwait(false);
        await AtomicFile.WriteAsync(path, content, mode, ct).ConfigureAwait(false);
        return new RestoredItem(item, path, merged ? RestoreAction.Merged : RestoreAction.Replaced, bak);
    }

    /// <summary>Extracts an archive beside <paramref name="target"/>, then swaps it in; the previous tree is kept as
    /// <c>{target}.bak</c> (an older <c>.bak</c> is replaced). With <paramref name="secret"/> (the Talos PKI, node machine
    /// configs) the tree is private while it is extracted and after: directories 0700, files 0600.</summary>
    private static async Task<RestoredItem> SwapInDirectoryAsync(IBackupStore store, string archivePath, string target, string instanceRoot, bool secret, CancellationToken ct)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(target))!;
        Directory.CreateDirectory(parent);
        var fresh = Path.Combine(parent, "." + Path.GetFileName(target) + ".restore-" + Guid.NewGuid().ToString("N")[..8]);
        await ExtractArchiveAsync(store, archivePath, fresh, ct, secret ? PrivateDirectory : null).ConfigureAwait(false);
        if (secret) MakePrivate(fresh);
        string? bak = null;
        if (Directory.Exists(target))
        {
            bak = target + ".bak";
            if (Directory.Exists(bak)) Directory.Delete(bak, recursive: true);
            Directory.Move(target, bak);
        }
        Directory.Move(fresh, target);
        AtomicFile.SyncDirectory(parent);
        var item = Path.GetRelativePath(instanceRoot, target).Replace('\\', '/');
        return new RestoredItem(item, target, bak is null ? RestoreAction.Created : RestoreAction.Replaced, bak);
    }

    private static readonly UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Every directory 0700 and every file 0600 (links are left alone: their mode is not theirs).</summary>
    private static void MakePrivate(string root)
    {
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(root, PrivateDirectory);
        foreach (var entry in new DirectoryInfo(root).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (entry.LinkTarget is not null) continue;
            File.SetUnixFileMode(entry.FullName, entry is DirectoryInfo ? PrivateDirectory : AtomicFile.SecretMode);
        }
    }

    private static Task<byte[]> ReadAsync(IBackupStore store, string dir, string name, CancellationToken ct) => store.ReadAllAsync(StorePath.Combine(dir, name), ct);
}
