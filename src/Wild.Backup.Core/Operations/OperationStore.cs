using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Restores;

namespace Wild.Backup.Core.Operations;

/// <summary>
/// Operation records on disk: <c>{dataDir}/instances/{instance}/operations/{id}.json</c>, each written atomically.
/// The daemon's web app reads the same directory, and the daemon keeps its own records there; those are loaded too
/// (read-only: <see cref="SaveAsync"/> and <see cref="Delete"/> refuse them).
/// </summary>
public sealed class OperationStore(InstanceDirectory directory)
{
    public static readonly TimeSpan RetainFor = TimeSpan.FromHours(24);

    public InstanceDirectory Directory => directory;

    public async Task SaveAsync(OperationRecord op, CancellationToken ct)
    {
        if (op.IsDaemons || !OperationIds.IsOwn(op.Id)) throw new InvalidOperationException($"refusing to write {op.Id}: the Wild Cloud daemon's records are read-only");
        var instance = directory.GetInstance(op.Instance);
        await AtomicFile.WriteAsync(PathOf(instance, op.Id), op.ToJsonBytes(), null, ct).ConfigureAwait(false);
    }

    /// <summary>Every readable record of an instance (unreadable ones are left alone, never deleted).</summary>
    public IReadOnlyList<OperationRecord> Load(WildInstance instance)
    {
        if (!System.IO.Directory.Exists(instance.OperationsPath)) return [];
        var list = new List<OperationRecord>();
        foreach (var file in System.IO.Directory.EnumerateFiles(instance.OperationsPath, "*.json"))
        {
            try
            {
                if (OperationRecord.TryParse(File.ReadAllBytes(file), File.GetLastWriteTimeUtc(file)) is { } op && op.Id + ".json" == Path.GetFileName(file)) list.Add(op);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        return list;
    }

    /// <summary>Removes the record of a finished operation of ours (the daemon's are never touched).</summary>
    public void Delete(WildInstance instance, string id)
    {
        if (!OperationIds.IsOwn(id)) throw new InvalidOperationException($"refusing to delete {id}: not a WildBackup operation");
        var path = PathOf(instance, id);
        if (File.Exists(path)) File.Delete(path);
    }

    public static string PathOf(WildInstance instance, string id) => Path.Combine(instance.OperationsPath, OperationIds.Validate(id) + ".json");
}

/// <summary>Operation ids: ours are <c>op-{yyyyMMddHHmmss}-{8 hex}</c> — sortable, safe in paths and URLs; the Wild Cloud
/// daemon's are <c>op_{type}_{target}_{unixNanos}</c> (<see cref="DaemonOperations"/>), accepted for reading.</summary>
public static class OperationIds
{
    public static string New() =>
        "op-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" +
        Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    /// <summary>One of our ids.</summary>
    public static bool IsOwn(string? id) =>
        id is { Length: > 3 and <= 64 } && id.StartsWith("op-", StringComparison.Ordinal) && id.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-');

    /// <summary>A daemon id: <c>op_</c> then letters, digits, '_', '-', '.' (targets can be node addresses), no "..".</summary>
    public static bool IsDaemonId(string? id) =>
        id is { Length: > 3 and <= 200 } && id.StartsWith("op_", StringComparison.Ordinal) && !id.Contains("..", StringComparison.Ordinal)
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    public static bool IsValid(string? id) => IsOwn(id) || IsDaemonId(id);

    public static string Validate(string? id) => IsValid(id)
        ? id!
        : throw new Errors.InvalidInputException("InvalidOperationId", $"'{WildName.Show(id)}' is not an operation id (they look like op-20261124053000-1a2b3c4d, or op_deploy_app_gitea_1732000000000000000 for the Wild Cloud daemon's).");
}
