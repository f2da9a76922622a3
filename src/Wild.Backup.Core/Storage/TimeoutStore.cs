using System.Collections.Concurrent;
using System.Diagnostics;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Storage;

/// <summary>
/// Gives every store call — and every read, write, flush and close on its streams — a deadline, without slowing the
/// calls down: they run inline, and this wrapper only notes what is in flight since when. A timer looks every so
/// often; a call older than <see cref="PerCall"/> (a hung NFS mount blocks system calls indefinitely) faults
/// <see cref="Stalled"/> with "unreachable". The engine races its work against <see cref="Stalled"/>
/// (<see cref="RunGuardedAsync{T}"/>), so the operation fails on time; the stuck thread is abandoned, as it must be.
/// </summary>
public sealed class TimeoutStore : DelegatingStore
{
    private readonly ConcurrentDictionary<long, (long Started, string What)> _inFlight = new();
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer _watchdog;
    private long _nextCall;

    public TimeoutStore(IBackupStore inner, TimeSpan perCall) : base(inner)
    {
        if (perCall <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(perCall));
        PerCall = perCall;
        var every = TimeSpan.FromTicks(Math.Clamp(perCall.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _watchdog = new Timer(_ => Check(), null, every, every);
    }

    public TimeSpan PerCall { get; }

    /// <summary>Faults with StorageUnreachableException once any call outlives its deadline; never completes otherwise.</summary>
    public Task Stalled => _stalled.Task;

    /// <summary>Runs <paramref name="work"/> (which uses this store) on the thread pool and returns its result, or throws
    /// StorageUnreachableException as soon as a store call inside it stalls past the deadline.</summary>
    public async Task<T> RunGuardedAsync<T>(Func<Task<T>> work)
    {
        var task = Task.Run(work);
        if (await Task.WhenAny(task, Stalled).ConfigureAwait(false) != task)
        {
            Observe(task);
            await Stalled.ConfigureAwait(false); // throws the stall
        }
        return await task.ConfigureAwait(false);
    }

    public override Task ProbeAsync(CancellationToken ct) => Track("probe", () => Inner.ProbeAsync(ct));
    public override Task<StoreEntry?> StatAsync(string path, CancellationToken ct) => Track("stat", () => Inner.StatAsync(path, ct));
    public override Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) => Track("list", () => Inner.ListAsync(directory, ct));
    public override Task CreateDirectoryAsync(string path, CancellationToken ct) => Track("mkdir", () => Inner.CreateDirectoryAsync(path, ct));
    public override async Task<Stream> OpenReadAsync(string path, CancellationToken ct) => new TrackedStream(await Track("open", () => Inner.OpenReadAsync(path, ct)).ConfigureAwait(false), this);
    public override async Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct) => new TrackedStream(await Track("create", () => Inner.CreateFileAsync(path, options, ct)).ConfigureAwait(false), this);
    public override Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct) => Track("rename", () => Inner.RenameAsync(from, to, overwrite, ct));
    public override Task DeleteFileAsync(string path, CancellationToken ct) => Track("delete", () => Inner.DeleteFileAsync(path, ct));
    public override Task DeleteDirectoryAsync(string path, CancellationToken ct) => Track("delete", () => Inner.DeleteDirectoryAsync(path, ct));
    public override Task<StoreSpace> GetSpaceAsync(CancellationToken ct) => Track("statfs", () => Inner.GetSpaceAsync(ct));
    public override Task FlushAsync(CancellationToken ct) => Track("flush", () => Inner.FlushAsync(ct));

    public override async ValueTask DisposeAsync()
    {
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async Task Track(string what, Func<Task> call)
    {
        var id = Begin(what);
        try { await call().ConfigureAwait(false); }
        finally { _inFlight.TryRemove(id, out _); }
    }

    private async Task<T> Track<T>(string what, Func<Task<T>> call)
    {
        var id = Begin(what);
        try { return await call().ConfigureAwait(false); }
        finally { _inFlight.TryRemove(id, out _); }
    }

    private T TrackSync<T>(string what, Func<T> call)
    {
        var id = Begin(what);
        try { return call(); }
        finally { _inFlight.TryRemove(id, out _); }
    }

    private long Begin(string what)
    {
        var id = Interlocked.Increment(ref _nextCall);
        _inFlight[id] = (Stopwatch.GetTimestamp(), what);
        return id;
    }

    private void Check()
    {
        foreach (var (_, (started, what)) in _inFlight)
        {
            if (Stopwatch.GetElapsedTime(started) > PerCall)
            {
                _stalled.TrySetException(new StorageUnreachableException($"{Location}: {what} did not answer within {PerCall.TotalSeconds:0.#} s"));
                return;
            }
        }
    }

    internal static void Observe(Task t) => t.ContinueWith(static x => _ = x.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);

    /// <summary>A stream whose every call is tracked like a store call.</summary>
    private sealed class TrackedStream(Stream inner, TimeoutStore owner) : Stream, ISparseWriteStream
    {
        private int _disposed;

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => owner.TrackSync("read", () => inner.Read(buffer, offset, count));
        public override void Write(byte[] buffer, int offset, int count) => owner.TrackSync("write", () => { inner.Write(buffer, offset, count); return 0; });
        public override void Flush() => owner.TrackSync("flush", () => { inner.Flush(); return 0; });
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => new(owner.Track("read", () => inner.ReadAsync(buffer, ct).AsTask()));
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => new(owner.Track("write", () => inner.WriteAsync(buffer, ct).AsTask()));
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override Task FlushAsync(CancellationToken ct) => owner.Track("flush", () => inner.FlushAsync(ct));
        public ValueTask SkipAsync(long bytes, CancellationToken ct) => new(owner.Track("write", () => SparseWrite.SkipAsync(inner, bytes, ct).AsTask()));

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            await owner.Track("close", () => inner.DisposeAsync().AsTask()).ConfigureAwait(false);
            GC.SuppressFinalize(this);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0) owner.TrackSync("close", () => { inner.Dispose(); return 0; });
            base.Dispose(disposing);
        }
    }
}
