using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Storage;

/// <summary>The engine's destination check (Test-WildBackupDestination, GET …/destination).</summary>
public sealed class CheckDestinationTests : IDisposable
{
    private readonly SampleWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task A_good_destination_is_reachable_writable_with_space_and_a_round_trip_and_keeps_nothing()
    {
        var r = await new WildBackupEngine().CheckDestinationAsync(_world.Selector, SampleWorld.Timeout);
        Assert.True(r.Ok, string.Join("; ", r.Problems));
        Assert.True(r.Writable);
        Assert.True(r.FreeBytes > 0);
        Assert.NotNull(r.RoundTrip);
        Assert.Equal(_world.Destination, r.Location);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_world.Destination));
    }

    [Fact]
    public async Task A_missing_destination_is_reported_not_thrown()
    {
        var r = await new WildBackupEngine().CheckDestinationAsync(_world.Selector with { Destination = "/nonexistent/nas" }, SampleWorld.Timeout);
        Assert.False(r.Ok);
        Assert.False(r.Reachable);
        var p = Assert.Single(r.Problems);
        Assert.Equal(DestinationCheckStep.Reach, p.Step);
        Assert.Equal("Cannot reach backup storage. Check network connection.", p.Message);
    }

    [Fact]
    public async Task A_hanging_destination_is_reported_as_unreachable_within_the_deadline()
    {
        using var release = new ManualResetEventSlim();
        var engine = new WildBackupEngine(new EngineOptions
        {
            StorageCallTimeout = TimeSpan.FromMilliseconds(300),
            OpenStore = d => new FaultyStore(StoreFactory.OpenRaw(d)) { OnStep = (_, op, _) => { if (op == "create") release.Wait(TimeSpan.FromMinutes(1)); } },
        });
        var r = await engine.CheckDestinationAsync(_world.Selector, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
        release.Set();
        Assert.False(r.Ok);
        Assert.Contains(r.Problems, p => p.Kind == WildErrorKind.Unreachable && p.Detail!.Contains("did not answer within", StringComparison.Ordinal));
    }
}
