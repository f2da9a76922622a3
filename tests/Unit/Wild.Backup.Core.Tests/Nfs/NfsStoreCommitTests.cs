using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs;

/// <summary>
/// Durability as NFSv3 defines it: unstable WRITEs are only safe once a COMMIT returns the same write verifier. A server
/// that rebooted and lost them answers with a new verifier; Ganesha never does (it keeps its data across restarts), so a
/// minimal in-process server plays that part.
/// </summary>
public sealed class NfsStoreCommitTests
{
    private static CancellationToken Ct => new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token;

    [Fact]
    public async Task Flush_commits_what_was_written_once()
    {
        await using var server = new FakeNfsServer();
        await using var store = new NfsStore(server.Url);
        await using (var s = await store.CreateFileAsync("a", CreateOptions.Default, Ct))
            await s.WriteAsync(new byte[200_000], Ct);
        Assert.DoesNotContain(21u, server.NfsProcedures);
        await store.FlushAsync(Ct);
        Assert.Single(server.NfsProcedures, p => p == 21u);
        await store.FlushAsync(Ct); // nothing new to commit
        Assert.Single(server.NfsProcedures, p => p == 21u);
    }

    [Fact]
    public async Task A_changed_verifier_at_commit_reports_the_data_lost()
    {
        await using var server = new FakeNfsServer();
        await using var store = new NfsStore(server.Url);
        await using (var s = await store.CreateFileAsync("lost.bin", CreateOptions.Default, Ct))
            await s.WriteAsync(new byte[100_000], Ct);
        server.Verifier = 0x2222; // the server rebooted and forgot the unstable data

        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => store.FlushAsync(Ct));
        Assert.Equal(NfsErrors.DataLostId, ex.ErrorId);
        Assert.Equal("Data written to backup storage was lost: the NFS server restarted before saving it. Run the operation again.", ex.Message);
        Assert.Contains("lost.bin", ex.Detail);
    }

    [Fact]
    public async Task A_changed_verifier_in_the_middle_of_a_write_fails_the_write()
    {
        await using var server = new FakeNfsServer();
        await using var store = new NfsStore(server.Url, new NfsStoreOptions { RequestsInFlight = 1 });
        var ex = await Assert.ThrowsAsync<StorageUnreachableException>(async () =>
        {
            await using var s = await store.CreateFileAsync("midway.bin", CreateOptions.Default, Ct);
            await s.WriteAsync(new byte[3 * 65536], Ct);
            server.Verifier = 0x3333;
            await s.WriteAsync(new byte[3 * 65536], Ct);
        });
        Assert.Contains("restarted while 'midway.bin' was being written", ex.Detail);
    }
}
