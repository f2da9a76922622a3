using System.Collections.Concurrent;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Core.Storage;
using Wild.Backup.Simulator.Longhorn.Faults;

namespace Wild.Backup.Simulator.Longhorn.Targets;

/// <summary>A backup target: its Longhorn URL (<c>nfs://server:/export</c>) and the local directory that URL maps to
/// here (for instance the export directory of the NFS-Ganesha helper), with the block-store reader and writer over it.</summary>
internal sealed record SimBackupTarget(string Name, string Url, string Directory, FaultInjectingStore Store, BlockStoreReader Reader, BlockStoreWriter Writer);

/// <summary>The backup targets the simulator knows, by name and by URL.</summary>
internal sealed class BackupTargetRegistry(LonghornFaults faults, TimeProvider time, BlockStoreWriterOptions writerOptions)
{
    private readonly ConcurrentDictionary<string, SimBackupTarget> _byName = new(StringComparer.Ordinal);

    public SimBackupTarget Set(string name, string url, string directory)
    {
        BlockStorePaths.RequireValidName(name, "backup target");
        if (string.IsNullOrWhiteSpace(url) || !url.Contains("://", StringComparison.Ordinal))
            throw new InvalidInputException("InvalidBackupTargetUrl", $"'{url}' is not a backup target URL (e.g. nfs://server:/export).");
        if (!Path.IsPathRooted(directory))
            throw new InvalidInputException("InvalidBackupTargetDirectory", $"The directory for backup target '{name}' must be an absolute path.");
        var throttle = new Throttle(() => faults.ThroughputFor(name), time);
        var store = new FaultInjectingStore(new LocalDirectoryStore(directory), faults, throttle, name, url);
        var target = new SimBackupTarget(name, Normalize(url), Path.GetFullPath(directory), store, new BlockStoreReader(store), new BlockStoreWriter(store, writerOptions));
        _byName[name] = target;
        return target;
    }

    /// <summary>Forgets a target (its BackupTarget was deleted or its URL cannot be served); false when unknown.</summary>
    public bool Remove(string name) => _byName.TryRemove(name, out _);

    public SimBackupTarget Get(string name) =>
        _byName.TryGetValue(name, out var t) ? t
            : throw new NotFoundException("LonghornBackupTargetNotFound", $"There is no Longhorn backup target named '{name}'.") { Target = name };

    /// <summary>The target whose URL is <paramref name="url"/> (as a backup URL's target part).</summary>
    public SimBackupTarget GetByUrl(string url)
    {
        var wanted = Normalize(url);
        return _byName.Values.FirstOrDefault(t => t.Url == wanted)
            ?? throw new NotFoundException("LonghornBackupTargetNotFound", $"No Longhorn backup target has the URL '{url}'.") { Target = url };
    }

    public IReadOnlyList<SimBackupTarget> All => [.. _byName.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];

    private static string Normalize(string url) => url.TrimEnd('/');
}
