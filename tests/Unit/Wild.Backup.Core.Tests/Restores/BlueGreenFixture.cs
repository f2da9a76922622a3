using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Restores;

/// <summary>
/// One simulated cluster with Longhorn and the sample instance for a test class; each test works on its own app. The
/// parameterless fixture runs the default version (1.8, or <c>WILD_LONGHORN_VERSION</c>); the nested ones pin a version,
/// so a suite runs on every Longhorn version by deriving one class per version (the CI matrix: docs/TESTING.md).
/// </summary>
public class BlueGreenFixture : IAsyncLifetime
{
    private readonly LonghornVersion _version;

    public BlueGreenFixture() : this(ClusterWorld.DefaultVersion)
    {
    }

    protected BlueGreenFixture(LonghornVersion version) => _version = version;

    public ClusterWorld World { get; private set; } = null!;
    public WildBackupEngine Engine { get; } = new(ClusterWorld.EngineOptions);

    public async Task InitializeAsync() => World = await ClusterWorld.StartAsync(longhorn: ClusterWorld.LonghornFor(_version));

    public async Task DisposeAsync()
    {
        if (World is not null) await World.DisposeAsync();
    }

    public sealed class Longhorn_1_7() : BlueGreenFixture(LonghornVersion.V1_7);
    public sealed class Longhorn_1_8() : BlueGreenFixture(LonghornVersion.V1_8);
    public sealed class Longhorn_1_9() : BlueGreenFixture(LonghornVersion.V1_9);
    public sealed class Longhorn_1_10() : BlueGreenFixture(LonghornVersion.V1_10);
}
