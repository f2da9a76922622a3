using System.Security.Cryptography;
using System.Text;

namespace Wild.Backup.Simulator.Longhorn.Volumes;

/// <summary>One file the filesystem-like writer placed: its extent in the volume and the SHA-256 of its content.</summary>
public sealed record WrittenFile(string Name, long Offset, int Length, string Sha256);

/// <summary>
/// Writes into a simulated volume the way applications do: bytes at offsets, random or patterned runs, and a
/// filesystem-like layout of many small files (a superblock, an inode table, file data in 4 KiB-aligned extents
/// scattered over the volume with holes between them). Deterministic for a given seed. Offsets are the application's: on
/// an encrypted volume the device it sees starts <paramref name="deviceOffset"/> bytes into the Longhorn volume (after
/// the LUKS header).
/// </summary>
public sealed class VolumeDataWriter(LonghornDataPlane plane, string volumeName, long deviceOffset = 0)
{
    public const int FsBlock = 4096;
    private const int InodeSize = 256;
    private const long InodeTableOffset = 64 * 1024;

    public string VolumeName { get; } = volumeName;

    public Task WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct) => plane.WriteAsync(VolumeName, deviceOffset + offset, data, ct);

    /// <summary>Writes <paramref name="length"/> pseudo-random bytes from <paramref name="seed"/>; returns them.</summary>
    public async Task<byte[]> WriteRandomAsync(long offset, int length, int seed, CancellationToken ct)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        await WriteAsync(offset, data, ct).ConfigureAwait(false);
        return data;
    }

    /// <summary>Writes <paramref name="pattern"/> repeated over <paramref name="length"/> bytes.</summary>
    public async Task WritePatternAsync(long offset, int length, ReadOnlyMemory<byte> pattern, CancellationToken ct)
    {
        if (pattern.IsEmpty) throw new ArgumentException("The pattern is empty.", nameof(pattern));
        var data = new byte[length];
        for (var i = 0; i < length; i += pattern.Length) pattern.Span[..Math.Min(pattern.Length, length - i)].CopyTo(data.AsSpan(i));
        await WriteAsync(offset, data, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes <paramref name="count"/> files of <paramref name="minSize"/>–<paramref name="maxSize"/> bytes like a small
    /// filesystem would: a superblock at 0, one 256-byte inode per file at 64 KiB + 256·i (name, offset, length,
    /// sha256), each file's data at a 4 KiB-aligned offset after the inode table with random gaps, so some 2 MiB
    /// blocks stay holes. Returns where each file went.
    /// </summary>
    public async Task<IReadOnlyList<WrittenFile>> WriteFilesAsync(int count, int minSize, int maxSize, int seed, long volumeSize, CancellationToken ct)
    {
        if (count <= 0 || minSize <= 0 || maxSize < minSize) throw new ArgumentOutOfRangeException(nameof(count));
        var rng = new Random(seed);
        var files = new List<WrittenFile>(count);
        var dataStart = AlignUp(InodeTableOffset + (long)count * InodeSize, 1024 * 1024);
        var next = dataStart;
        for (var i = 0; i < count; i++)
        {
            var length = rng.Next(minSize, maxSize + 1);
            next = AlignUp(next + rng.Next(0, 4) * (long)rng.Next(FsBlock, 512 * 1024), FsBlock);
            if (next + length > volumeSize) throw new ArgumentOutOfRangeException(nameof(count), "the files do not fit in the volume");
            var content = new byte[length];
            rng.NextBytes(content);
            var name = $"file-{i:D5}.dat";
            await WriteAsync(next, content, ct).ConfigureAwait(false);
            var file = new WrittenFile(name, next, length, Convert.ToHexString(SHA256.HashData(content)).ToLowerInvariant());
            await WriteAsync(InodeTableOffset + (long)i * InodeSize, Inode(file), ct).ConfigureAwait(false);
            files.Add(file);
            next += length;
        }
        await WriteAsync(0, Superblock(count, seed), ct).ConfigureAwait(false);
        return files;
    }

    /// <summary>Names of files in <paramref name="files"/> whose content in the volume no longer matches.</summary>
    public async Task<IReadOnlyList<string>> FindDamagedFilesAsync(IReadOnlyList<WrittenFile> files, CancellationToken ct)
    {
        var damaged = new List<string>();
        foreach (var f in files)
        {
            var buffer = new byte[f.Length];
            await plane.ReadAsync(VolumeName, deviceOffset + f.Offset, buffer, ct).ConfigureAwait(false);
            if (Convert.ToHexString(SHA256.HashData(buffer)).ToLowerInvariant() != f.Sha256) damaged.Add(f.Name);
        }
        return damaged;
    }

    private static byte[] Superblock(int count, int seed)
    {
        var sb = new byte[FsBlock];
        Encoding.ASCII.GetBytes("WILDSIMFS1").CopyTo(sb, 0);
        BitConverter.TryWriteBytes(sb.AsSpan(16), count);
        BitConverter.TryWriteBytes(sb.AsSpan(20), seed);
        BitConverter.TryWriteBytes(sb.AsSpan(24), InodeTableOffset);
        return sb;
    }

    private static byte[] Inode(WrittenFile f)
    {
        var inode = new byte[InodeSize];
        Encoding.ASCII.GetBytes(f.Name).CopyTo(inode, 0);
        BitConverter.TryWriteBytes(inode.AsSpan(64), f.Offset);
        BitConverter.TryWriteBytes(inode.AsSpan(72), f.Length);
        Encoding.ASCII.GetBytes(f.Sha256).CopyTo(inode, 80);
        return inode;
    }

    private static long AlignUp(long v, long a) => (v + a - 1) / a * a;
}
