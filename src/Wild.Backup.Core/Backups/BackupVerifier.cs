using System.Security.Cryptography;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Backups;

/// <summary>One thing wrong with a stored backup, naming the file.</summary>
public sealed record BackupProblem(string File, string Problem)
{
    public override string ToString() => $"{File}: {Problem}";
}

/// <summary>Re-reads a stored backup and checks it against its record: every file present, of its size and SHA-256,
/// and nothing unrecorded beside them.</summary>
public static class BackupVerifier
{
    /// <summary>Checks <paramref name="files"/> in <paramref name="dir"/>; reports bytes read through <paramref name="progress"/>.</summary>
    public static async Task<IReadOnlyList<BackupProblem>> VerifyFilesAsync(IBackupStore store, string dir, IReadOnlyList<BackupFileRecord> files, Action<long>? progress, CancellationToken ct)
    {
        var problems = new List<BackupProblem>();
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            await VerifyEachAsync(store, dir, files, progress, problems, buffer, ct).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return problems;
    }

    private static async Task VerifyEachAsync(IBackupStore store, string dir, IReadOnlyList<BackupFileRecord> files, Action<long>? progress, List<BackupProblem> problems, byte[] buffer, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256); // reset by each GetHashAndReset
        foreach (var f in files)
        {
            var path = StorePath.Combine(dir, f.Name);
            Stream s;
            try
            {
                s = await store.OpenReadAsync(path, ct).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                problems.Add(new BackupProblem(f.Name, "missing"));
                continue;
            }
            await using (s)
            {
                long size = 0;
                int n;
                while ((n = await s.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    size += n;
                    progress?.Invoke(n);
                }
                var sha = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
                if (size != f.Size) problems.Add(new BackupProblem(f.Name, $"size is {size} bytes, backup.json says {f.Size}"));
                else if (sha != f.Sha256) problems.Add(new BackupProblem(f.Name, "content does not match its SHA-256 in backup.json"));
            }
        }
    }

    /// <summary>Full check of a sealed backup directory: its record, its files, and files it does not record.</summary>
    public static async Task<(BackupRecord? Record, IReadOnlyList<BackupProblem> Problems)> VerifyBackupAsync(IBackupStore store, string dir, Action<long>? progress, CancellationToken ct)
    {
        BackupRecord record;
        try
        {
            record = await ReadRecordAsync(store, dir, ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return (null, [new BackupProblem(BackupLayout.RecordFile, "missing")]);
        }
        catch (CorruptBackupException ex)
        {
            return (null, [new BackupProblem(BackupLayout.RecordFile, ex.Message)]);
        }
        var problems = (await VerifyFilesAsync(store, dir, record.Files, progress, ct).ConfigureAwait(false)).ToList();
        var known = record.Files.Select(f => f.Name).Append(BackupLayout.RecordFile).ToHashSet(StringComparer.Ordinal);
        foreach (var d in record.Directories)
        {
            if (await store.StatAsync(StorePath.Combine(dir, d), ct).ConfigureAwait(false) is not { IsDirectory: true })
                problems.Add(new BackupProblem(d + "/", "missing"));
        }
        foreach (var e in await store.ListAsync(dir, ct).ConfigureAwait(false))
        {
            if (e.IsDirectory ? record.Directories.Contains(e.Name) : known.Contains(e.Name)) continue;
            problems.Add(new BackupProblem(e.IsDirectory ? e.Name + "/" : e.Name, "not recorded in backup.json"));
        }
        return (record, problems);
    }

    public static async Task<BackupRecord> ReadRecordAsync(IBackupStore store, string dir, CancellationToken ct)
    {
        return BackupRecord.Parse(await store.ReadAllAsync(StorePath.Combine(dir, BackupLayout.RecordFile), ct).ConfigureAwait(false), dir);
    }
}
