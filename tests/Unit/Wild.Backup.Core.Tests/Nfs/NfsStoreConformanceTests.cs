using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Storage;
using Wild.Backup.Core.Tests.Nfs.Support;
using Wild.Backup.Core.Tests.Storage;
using Xunit;

namespace Wild.Backup.Core.Tests.Nfs;

/// <summary>The shared store contract, run against <see cref="NfsStore"/> talking to a real NFS-Ganesha server on loopback;
/// data is checked by reading the exported directory directly.</summary>
public sealed class NfsStoreConformance(GaneshaFixture ganesha) : StoreConformanceTests, IClassFixture<GaneshaFixture>
{
    private string _local = "";

    protected override Task<IBackupStore> CreateStoreAsync()
    {
        var (store, local) = ganesha.NewStore();
        _local = local;
        return Task.FromResult<IBackupStore>(store);
    }

    protected override Task<IBackupStore> CreateUnreachableStoreAsync() =>
        Task.FromResult<IBackupStore>(new NfsStore(DeadEnds.UnreachableUrl()));

    protected override byte[]? ReadBehindTheStore(string path) => File.ReadAllBytes(System.IO.Path.Combine(_local, path));
    protected override long? AllocatedBehindTheStore(string path) => Wild.Backup.Core.Tests.Support.FileAllocation.Of(System.IO.Path.Combine(_local, path));
}
