using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Storage;

/// <summary>
/// Gives every store call, and every read/write on its streams, a deadline. A hung NFS mount blocks system calls
/// indefinitely; this wrapper stops waiting and reports storage as unreachable instead of hanging the operation
/// (the stuck call is abandoned on its thread-pool thread).
/// </summary>
public sealed class TimeoutStore(IBackupStore inner, TimeSpan perCall) : DelegatingStore(inner)
{
    public TimeSpan PerCall => perCall;

    public override Task ProbeAsync(CancellationToken ct) => Run(c => Inner.ProbeAsync(c), "probe", ct);
    public override Task<StoreEntry?> StatAsync(string path, CancellationToken ct) => Run(c => Inner.StatAsync(path, c), "stat", ct);
    public override Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) => Run(c => Inner.ListAsync(directory, c), "list", ct);
    public override Task CreateDirectoryAsync(string path, CancellationToken ct) => Run(c => Inner.CreateDirectoryAsync(path, c), "mkdir", ct);
    public override async Task<Stream> OpenReadAsync(string path, CancellationToken ct) => new TimeoutStream(await Run(c => Inner.OpenReadAsync(path, c), "open", ct).ConfigureAwait(false), perCall);
    public override async Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct) => new TimeoutStream(await Run(c => Inner.CreateFileAsync(path, options, c), "create", ct).ConfigureAwait(false), perCall);
    public override Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct) => Run(c => Inner.RenameAsync(from, to, overwrite, c), "rename", ct);
    public override Task DeleteFileAsync(string path, CancellationToken ct) => Run(c => Inner.DeleteFileAsync(path, c), "delete", ct);
    public override Task DeleteDirectoryAsync(string path, CancellationToken ct) => Run(c => Inner.DeleteDirectoryAsync(path, c), "delete", ct);
    public override Task<StoreSpace> GetSpaceAsync(CancellationToken ct) => Run(c => Inner.GetSpaceAsync(c), "statfs", ct);
    public override Task FlushAsync(CancellationToken ct) => Run(c => Inner.FlushAsync(c), "flush", ct);

    private async Task Run(Func<CancellationToken, Task> call, string what, CancellationToken ct) =>
        await Run(async c => { await call(c).ConfigureAwait(false); return true; }, what, ct).ConfigureAwait(false);

    private async Task<T> Run<T>(Func<CancellationToken, Task<T>> call, string what, CancellationToken ct)
    {
        // Task.Run: a synchronous implementation that blocks in the kernel must not block the caller past the deadline.
        var task = Task.Run(() => call(ct), ct);
        try
        {
            return await task.WaitAsync(perCall, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Observe(task);
            throw new StorageUnreachableException($"{Location}: {what} did not answer within {perCall.TotalSeconds:0} s");
        }
    }

    internal static void Observe(Task t) => t.ContinueWith(static x => _ = x.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);

    private sealed class TimeoutStream(Stream inner, TimeSpan perCall) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() => FlushAsync().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            await Guard(Task.Run(() => inner.ReadAsync(buffer, ct).AsTask(), ct), "read", ct).ConfigureAwait(false);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) =>
            await Guard(Task.Run(async () => { await inner.WriteAsync(buffer, ct).ConfigureAwait(false); return true; }, ct), "write", ct).ConfigureAwait(false);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override async Task FlushAsync(CancellationToken ct) =>
            await Guard(Task.Run(async () => { await inner.FlushAsync(ct).ConfigureAwait(false); return true; }, ct), "flush", ct).ConfigureAwait(false);

        public override async ValueTask DisposeAsync()
        {
            await Guard(Task.Run(async () => { await inner.DisposeAsync().ConfigureAwait(false); return true; }), "close", CancellationToken.None).ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Guard(Task.Run(() => { inner.Dispose(); return true; }), "close", CancellationToken.None).GetAwaiter().GetResult();
            base.Dispose(disposing);
        }

        private async Task<T> Guard<T>(Task<T> task, string what, CancellationToken ct)
        {
            try
            {
                return await task.WaitAsync(perCall, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Observe(task);
                throw new StorageUnreachableException($"{what} did not answer within {perCall.TotalSeconds:0} s");
            }
        }
    }
}
