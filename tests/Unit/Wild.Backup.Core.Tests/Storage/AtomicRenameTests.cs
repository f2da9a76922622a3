using Wild.Backup.Core.Storage;
using Xunit;

namespace Wild.Backup.Core.Tests.Storage;

/// <summary>
/// The no-replace rename under the local store. The conformance suite races renameat2 through the store; these check
/// the hard-link path used where a file system (an NFS mount) cannot do RENAME_NOREPLACE.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AtomicRenameTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wild-rename-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void By_link_a_file_moves_and_an_existing_target_or_a_missing_source_is_reported()
    {
        File.WriteAllText(P("a"), "a");
        File.WriteAllText(P("b"), "b");
        Assert.Equal(AtomicRename.Outcome.TargetExists, AtomicRename.LinkThenUnlink(P("a"), P("b")));
        Assert.Equal("a", File.ReadAllText(P("a")));
        Assert.Equal("b", File.ReadAllText(P("b")));

        Assert.Equal(AtomicRename.Outcome.Renamed, AtomicRename.LinkThenUnlink(P("a"), P("c")));
        Assert.False(File.Exists(P("a")));
        Assert.Equal("a", File.ReadAllText(P("c")));

        Assert.Equal(AtomicRename.Outcome.Missing, AtomicRename.LinkThenUnlink(P("absent"), P("d")));
        Assert.Equal(AtomicRename.Outcome.Missing, AtomicRename.LinkThenUnlink(P("c"), P("no-such-dir/d")));
    }

    [Fact]
    public void By_link_contenders_racing_for_one_name_have_exactly_one_winner()
    {
        const int contenders = 4;
        for (var round = 0; round < 150; round++)
        {
            var target = P($"race-{round}");
            for (var i = 0; i < contenders; i++) File.WriteAllText($"{target}.{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var start = new Barrier(contenders);
            var outcomes = new AtomicRename.Outcome[contenders];
            var threads = Enumerable.Range(0, contenders).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                outcomes[i] = AtomicRename.LinkThenUnlink($"{target}.{i}", target);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            var winner = Assert.Single(Enumerable.Range(0, contenders), i => outcomes[i] == AtomicRename.Outcome.Renamed);
            Assert.All(Enumerable.Range(0, contenders).Where(i => i != winner), i =>
            {
                Assert.Equal(AtomicRename.Outcome.TargetExists, outcomes[i]);
                Assert.True(File.Exists($"{target}.{i}")); // a loser keeps its file
            });
            Assert.Equal(winner.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(target));
        }
    }
}
