using Microsoft.Win32.SafeHandles;
using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Longhorn.Api;

namespace Wild.Backup.Simulator.Longhorn.Volumes;

/// <summary>
/// A simulated Longhorn volume: a sparse raw file of the volume's size (the "volume head"), the set of 2 MiB tracks
/// written since the last snapshot, and a chain of <see cref="SimSnapshot"/>s. Snapshots freeze data by copying the
/// tracks changed since the previous snapshot into their own sparse file, so later writes never alter them, and the
/// changed-track sets answer "what changed since snapshot X" the way Longhorn's CompareSnapshot does.
/// All members are safe to call concurrently; every wait is bounded by <see cref="LockTimeout"/>.
/// </summary>
internal sealed class SimVolume : IDisposable
{
    /// <summary>Change-tracking granularity: Longhorn's smallest backup block.</summary>
    public const int TrackSize = 2 * 1024 * 1024;

    public const string HeadName = "volume-head";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SafeFileHandle _head;
    private readonly HashSet<long> _dirty = [];
    private readonly List<SimSnapshot> _snapshots = [];
    private readonly string _directory;
    private VolumeStatus _status;
    private bool _disposed;

    private SimVolume(string name, long size, string directory, SafeFileHandle head, VolumeSpec spec, VolumeStatus status, TimeSpan lockTimeout)
    {
        LockTimeout = lockTimeout;
        Name = name;
        Size = size;
        _directory = directory;
        _head = head;
        _spec = spec;
        _status = status;
    }

    public string Name { get; }
    public long Size { get; }
    private VolumeSpec _spec;

    /// <summary>The volume's spec as the data plane uses it; <see cref="UpdateSpec"/> follows changes of the Volume object.</summary>
    public VolumeSpec Spec
    {
        get { lock (_snapshots) return _spec; }
    }

    public void UpdateSpec(Func<VolumeSpec, VolumeSpec> change)
    {
        lock (_snapshots) _spec = change(_spec);
    }
    public string HeadPath => System.IO.Path.Combine(_directory, "head.img");
    public TimeSpan LockTimeout { get; }

    private long _snapshotTrackReads;

    /// <summary>Tracks read from snapshots so far (holes included): lets tests see what a backup read.</summary>
    public long SnapshotTrackReads => Interlocked.Read(ref _snapshotTrackReads);

    public VolumeStatus Status
    {
        get { lock (_snapshots) return _status; }
    }

    public void UpdateStatus(Func<VolumeStatus, VolumeStatus> change)
    {
        lock (_snapshots) _status = change(_status);
    }

    /// <summary>Creates the volume's directory and its sparse head file.</summary>
    public static SimVolume Create(string root, string name, long size, VolumeSpec spec, VolumeStatus status, TimeSpan lockTimeout)
    {
        if (size <= 0 || size % TrackSize != 0) throw new ArgumentOutOfRangeException(nameof(size), size, "volume size must be a positive multiple of 2 MiB");
        var dir = System.IO.Path.Combine(root, name);
        if (Directory.Exists(dir)) throw new ConflictException("LonghornVolumeExists", $"Simulated Longhorn volume '{name}' already has data at {dir}.");
        Directory.CreateDirectory(dir);
        var head = File.OpenHandle(System.IO.Path.Combine(dir, "head.img"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        RandomAccess.SetLength(head, size);
        return new SimVolume(name, size, dir, head, spec, status, lockTimeout);
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>, as an application writes to the block device.</summary>
    public async Task WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        CheckRange(offset, data.Length);
        await EnterAsync(ct).ConfigureAwait(false);
        try
        {
            await RandomAccess.WriteAsync(_head, data, offset, ct).ConfigureAwait(false);
            if (data.Length == 0) return;
            lock (_snapshots)
            {
                for (var t = offset / TrackSize; t <= (offset + data.Length - 1) / TrackSize; t++) _dirty.Add(t);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the live volume (holes read as zeros).</summary>
    public async Task ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
    {
        CheckRange(offset, buffer.Length);
        await EnterAsync(ct).ConfigureAwait(false);
        try
        {
            await ReadFullyAsync(_head, buffer, offset, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Freezes the volume's current content as snapshot <paramref name="name"/>.</summary>
    public async Task<SnapshotInfo> SnapshotAsync(string name, IReadOnlyDictionary<string, string>? labels, DateTimeOffset now, CancellationToken ct)
    {
        await EnterAsync(ct).ConfigureAwait(false);
        try
        {
            if (_snapshots.Any(s => s.Name == name) || name == HeadName)
                throw new ConflictException("LonghornSnapshotExists", $"Volume '{Name}' already has a snapshot named '{name}'.");
            var path = System.IO.Path.Combine(_directory, "snap-" + name + ".img");
            var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            try
            {
                RandomAccess.SetLength(file, Size);
                var buffer = new byte[TrackSize];
                foreach (var t in _dirty.Order())
                {
                    await ReadFullyAsync(_head, buffer, t * TrackSize, ct).ConfigureAwait(false);
                    await RandomAccess.WriteAsync(file, buffer, t * TrackSize, ct).ConfigureAwait(false);
                }
            }
            catch
            {
                file.Dispose();
                File.Delete(path);
                throw;
            }
            lock (_snapshots)
            {
                _snapshots.Add(new SimSnapshot(name, path, file, now, labels, [.. _dirty]));
                _dirty.Clear();
                return Describe(_snapshots.Count - 1);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes a snapshot, merging its tracks into its child (or the volume head) as Longhorn does.</summary>
    public async Task DeleteSnapshotAsync(string name, CancellationToken ct)
    {
        await EnterAsync(ct).ConfigureAwait(false);
        try
        {
            var i = _snapshots.FindIndex(s => s.Name == name);
            if (i < 0) throw new NotFoundException("LonghornSnapshotNotFound", $"Volume '{Name}' has no snapshot named '{name}'.") { Target = name };
            var victim = _snapshots[i];
            if (i + 1 < _snapshots.Count)
            {
                var child = _snapshots[i + 1];
                var buffer = new byte[TrackSize];
                foreach (var t in victim.Changed.Where(t => !child.Changed.Contains(t)).Order())
                {
                    await ReadFullyAsync(victim.File, buffer, t * TrackSize, ct).ConfigureAwait(false);
                    await RandomAccess.WriteAsync(child.File, buffer, t * TrackSize, ct).ConfigureAwait(false);
                    lock (_snapshots) child.Changed.Add(t);
                }
            }
            else
            {
                lock (_snapshots) _dirty.UnionWith(victim.Changed); // the head already holds the newest data of these tracks
            }
            lock (_snapshots) _snapshots.RemoveAt(i);
            victim.Dispose();
            File.Delete(victim.Path);
        }
        finally
        {
            _gate.Release();
        }
    }

    public bool HasSnapshot(string name)
    {
        lock (_snapshots) return _snapshots.Any(s => s.Name == name);
    }

    public IReadOnlyList<SnapshotInfo> ListSnapshots()
    {
        lock (_snapshots) return Enumerable.Range(0, _snapshots.Count).Select(Describe).ToList();
    }

    public SnapshotInfo? FindSnapshot(string name)
    {
        lock (_snapshots)
        {
            var i = _snapshots.FindIndex(s => s.Name == name);
            return i < 0 ? null : Describe(i);
        }
    }

    /// <summary>
    /// Offsets of the <paramref name="blockSize"/> blocks that hold data in <paramref name="snapshot"/> (when
    /// <paramref name="baseSnapshot"/> is null) or were written after <paramref name="baseSnapshot"/> up to it. Holes never appear.
    /// </summary>
    public async Task<IReadOnlyList<long>> ChangedBlocksAsync(string snapshot, string? baseSnapshot, long blockSize, CancellationToken ct)
    {
        if (blockSize % TrackSize != 0 || Size % blockSize != 0) throw new ArgumentOutOfRangeException(nameof(blockSize));
        await EnterAsync(ct).ConfigureAwait(false);
        try
        {
            var to = IndexOf(snapshot);
            var from = baseSnapshot is null ? -1 : IndexOf(baseSnapshot);
            if (from >= to) throw new InvalidInputException("LonghornSnapshotOrder", $"Snapshot '{baseSnapshot}' is not older than '{snapshot}'.");
            var tracksPerBlock = blockSize / TrackSize;
            var blocks = new SortedSet<long>();
            for (var i = from + 1; i <= to; i++)
            {
                foreach (var t in _snapshots[i].Changed) blocks.Add(t / tracksPerBlock * blockSize);
            }
            return [.. blocks];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads <paramref name="buffer"/> (whole tracks) of the volume as it was at <paramref name="snapshot"/>.</summary>
    public async Task ReadSnapshotAsync(string snapshot, long offset, Memory<byte> buffer, CancellationToken ct)
    {
        CheckRange(offset, buffer.Length);
        if (offset % TrackSize != 0 || buffer.Length % TrackSize != 0) throw new ArgumentOutOfRangeException(nameof(offset), "snapshot reads are whole 2 MiB tracks");
        await EnterAsync(ct).ConfigureAwait(false);
        try
        {
            var at = IndexOf(snapshot);
            for (var pos = 0; pos < buffer.Length; pos += TrackSize)
            {
                var track = (offset + pos) / TrackSize;
                Interlocked.Increment(ref _snapshotTrackReads);
                var slice = buffer.Slice(pos, TrackSize);
                var owner = -1;
                for (var i = at; i >= 0 && owner < 0; i--)
                {
                    if (_snapshots[i].Changed.Contains(track)) owner = i;
                }
                if (owner < 0) slice.Span.Clear();
                else await ReadFullyAsync(_snapshots[owner].File, slice, track * TrackSize, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Bytes of tracks that hold data in the head or any snapshot (Longhorn's actualSize, roughly).</summary>
    public long ActualSize
    {
        get
        {
            lock (_snapshots)
            {
                var all = new HashSet<long>(_dirty);
                foreach (var s in _snapshots) all.UnionWith(s.Changed);
                return all.Count * (long)TrackSize;
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _head.Dispose();
        lock (_snapshots)
        {
            foreach (var s in _snapshots) s.Dispose();
        }
    }

    /// <summary>Closes the files and removes the volume's directory.</summary>
    public void Destroy()
    {
        Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private SnapshotInfo Describe(int i)
    {
        var s = _snapshots[i];
        var child = i + 1 < _snapshots.Count ? _snapshots[i + 1].Name : HeadName;
        return new SnapshotInfo(s.Name, Name, new SnapshotStatus
        {
            Parent = i > 0 ? _snapshots[i - 1].Name : "",
            Children = new Dictionary<string, bool> { [child] = true },
            CreationTime = s.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            Size = s.Changed.Count * (long)TrackSize,
            RestoreSize = Size,
            Labels = s.Labels,
            ReadyToUse = true,
        });
    }

    private int IndexOf(string snapshot)
    {
        var i = _snapshots.FindIndex(s => s.Name == snapshot);
        if (i < 0) throw new NotFoundException("LonghornSnapshotNotFound", $"Volume '{Name}' has no snapshot named '{snapshot}'.") { Target = snapshot };
        return i;
    }

    private void CheckRange(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Size)
            throw new InvalidInputException("LonghornOutOfRange", $"[{offset}, {offset + length}) lies outside volume '{Name}' of {Size} bytes.");
    }

    private async Task EnterAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!await _gate.WaitAsync(LockTimeout, ct).ConfigureAwait(false))
            throw new WildTimeoutException("LonghornVolumeBusy", $"Volume '{Name}' stayed busy for {LockTimeout.TotalSeconds:0} s.");
        if (_disposed)
        {
            _gate.Release();
            throw new ObjectDisposedException(nameof(SimVolume));
        }
    }

    private static async Task ReadFullyAsync(SafeFileHandle file, Memory<byte> buffer, long offset, CancellationToken ct)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = await RandomAccess.ReadAsync(file, buffer[done..], offset + done, ct).ConfigureAwait(false);
            if (n == 0)
            {
                buffer.Span[done..].Clear();
                return;
            }
            done += n;
        }
    }
}
