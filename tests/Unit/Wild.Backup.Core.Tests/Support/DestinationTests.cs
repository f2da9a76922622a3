using Wild.Backup.Testing;

namespace Wild.Backup.Core.Tests.Support;

/// <summary>
/// Base of the test classes that run against a backup destination twice: a local directory (<c>…_Local</c>) and nfs://
/// served by a real NFS-Ganesha (<c>…_Nfs</c>, via GaneshaFixture.Serve). Owns the sample world the tests use.
/// </summary>
public abstract class DestinationTests : IDisposable
{
    protected DestinationTests(Func<SampleWorld, (string Uri, string LocalView)>? destination)
    {
        if (destination is not null)
        {
            var (uri, local) = destination(World);
            World.UseDestination(uri, local);
        }
    }

    protected SampleWorld World { get; } = new();

    public void Dispose()
    {
        World.Dispose();
        GC.SuppressFinalize(this);
    }
}
