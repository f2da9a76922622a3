using Wild.Backup.Core.Backups;
using Xunit;

namespace Wild.Backup.Core.Tests.Backups;

public sealed class ConcurrentlyTests
{
    private static List<int> Sizes(IEnumerable<(int Weight, long Bytes)> items, int maxWeight = 128, long maxBytes = 1000) =>
        Concurrently.Groups(items, i => i, maxWeight, maxBytes).Select(g => g.Count).ToList();

    [Fact]
    public void Configuration_only_backups_commit_128_at_a_time()
    {
        Assert.Equal([128, 22], Sizes(Enumerable.Repeat((1, 1L), 150), maxBytes: long.MaxValue));
    }

    [Fact]
    public void Backups_with_volumes_weigh_more_and_commit_in_smaller_groups()
    {
        Assert.Equal([32, 8], Sizes(Enumerable.Repeat((4, 1L), 40), maxBytes: long.MaxValue));
        // Mixed: 100 light ones and 10 heavy ones after them fill 128 with 7 heavy (100 + 28), then the rest.
        Assert.Equal([107, 3], Sizes(Enumerable.Repeat((1, 1L), 100).Concat(Enumerable.Repeat((4, 1L), 10)), maxBytes: long.MaxValue));
    }

    [Fact]
    public void Bytes_cut_a_group_too_and_an_oversized_backup_stands_alone()
    {
        Assert.Equal([2, 1, 1], Sizes([(1, 400), (1, 400), (1, 5000), (1, 10)]));
    }

    [Fact]
    public void Backups_already_decided_ride_along_and_order_is_kept()
    {
        var items = new[] { (0, 0L), (0, 0L), (1, 1L), (0, 0L), (1, 1L), (0, 0L) };
        var groups = Concurrently.Groups(items.Select((c, i) => (c, i)), x => x.c, maxWeight: 1, maxBytes: 100).Select(g => g.Select(x => x.i).ToList()).ToList();
        Assert.Equal([[0, 1, 2, 3], [4, 5]], groups);
        Assert.Empty(Concurrently.Groups(Array.Empty<(int, long)>(), i => i, 1, 1));
    }
}
