using Wild.Backup.Core.Storage;

namespace Wild.Backup.Testing;

/// <summary>
/// A store wrapper that counts every call — including each write, flush and close on the streams it hands out — and
/// lets a test act at the Nth: throw, cancel, or (in the crash child) kill the process. It can also misreport free
/// space, to get past the up-front space check and hit a real "disk full" mid-write.
/// </summary>
public sealed class FaultyStore(IBackupStore inner) : DelegatingStore(inner)
{
    private long _steps;

    /// <summary>Called at every step with its number (1-based), a name ("create", "write", …) and the path.</summary>
    public Action<long, string, string>? OnStep { get; set; }

    /// <summary>When set, reported as the free space.</summary>
    public long? ReportFreeBytes { get; set; }

    public long Steps => Interlocked.Read(ref _steps);

    private void Step(string op, string path) => OnStep?.Invoke(Interlocked.Increment(ref _steps), op, path);

    public override Task ProbeAsync(CancellationToken ct) { Step("probe", ""); return base.ProbeAsync(ct); }
    public override Task<StoreEntry?> StatAsync(string path, CancellationToken ct) { Step("stat", path); return base.StatAsync(path, ct); }
    public override Task<IReadOnlyList<StoreEntry>> ListAsync(string directory, CancellationToken ct) { Step("list", directory); return base.ListAsync(directory, ct); }
    public override Task CreateDirectoryAsync(string path, CancellationToken ct) { Step("mkdir", path); return base.CreateDirectoryAsync(path, ct); }
    public override async Task<Stream> OpenReadAsync(string path, CancellationToken ct) { Step("open", path); return await base.OpenReadAsync(path, ct); }
    public override async Task<Stream> CreateFileAsync(string path, CreateOptions options, CancellationToken ct)
    {
        Step("create", path);
        return new CountingStream(await base.CreateFileAsync(path, options, ct), this, path);
    }
    public override Task RenameAsync(string from, string to, bool overwrite, CancellationToken ct) { Step("rename", from + " -> " + to); return base.RenameAsync(from, to, overwrite, ct); }
    public override Task DeleteFileAsync(string path, CancellationToken ct) { Step("delete", path); return base.DeleteFileAsync(path, ct); }
    public override Task DeleteDirectoryAsync(string path, CancellationToken ct) { Step("rmdir", path); return base.DeleteDirectoryAsync(path, ct); }
    public override async Task<StoreSpace> GetSpaceAsync(CancellationToken ct)
    {
        Step("space", "");
        var s = await base.GetSpaceAsync(ct);
        return ReportFreeBytes is { } free ? s with { FreeBytes = free, TotalBytes = Math.Max(free, s.TotalBytes) } : s;
    }
    public override Task FlushAsync(CancellationToken ct) { Step("flush", ""); return base.FlushAsync(ct); }

    private sealed class CountingStream(Stream inner, FaultyStore owner, string path) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { owner.Step("flush-stream", path); inner.Flush(); }
        public override Task FlushAsync(CancellationToken ct) { owner.Step("flush-stream", path); return inner.FlushAsync(ct); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) { owner.Step("write", path); inner.Write(buffer, offset, count); }
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) { owner.Step("write", path); await inner.WriteAsync(buffer, ct); }
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
        public override async ValueTask DisposeAsync() { owner.Step("close", path); await inner.DisposeAsync(); await base.DisposeAsync(); }
        protected override void Dispose(bool disposing) { if (disposing) { owner.Step("close", path); inner.Dispose(); } base.Dispose(disposing); }
    }
}
