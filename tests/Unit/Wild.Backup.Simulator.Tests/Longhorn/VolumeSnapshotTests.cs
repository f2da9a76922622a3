using Wild.Backup.Core.Errors;
using Wild.Backup.Simulator.Longhorn.Volumes;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Xunit;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.DataPlaneFixture;

namespace Wild.Backup.Simulator.Tests.Longhorn;

public sealed class VolumeSnapshotTests
{
    private static byte[] Fill(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private static async Task<byte[]> ReadSnapshotAsync(SimVolume v, string snapshot, long offset, int length)
    {
        var buffer = new byte[length];
        await v.ReadSnapshotAsync(snapshot, offset, buffer, Ct);
        return buffer;
    }

    [Fact]
    public async Task A_volume_is_a_sparse_raw_file_of_its_size_rounded_to_2MiB()
    {
        await using var f = new DataPlaneFixture();
        var info = await f.Plane.CreateVolumeAsync(new() { Name = "vol-a", SizeBytes = 5 * MiB }, Ct);
        Assert.Equal(6L * MiB, info.SizeBytes);
        Assert.Equal("6291456", info.Spec.Size);
        Assert.Equal(6L * MiB, new FileInfo(f.Plane.GetVolumeDataPath("vol-a")).Length);
        Assert.Equal(0, info.Status.ActualSize);
        await Assert.ThrowsAsync<ConflictException>(() => f.CreateVolumeAsync("vol-a"));
        await Assert.ThrowsAsync<InvalidInputException>(() => f.Plane.WriteAsync("vol-a", 6L * MiB - 1, new byte[2], Ct));
    }

    [Fact]
    public async Task A_snapshot_keeps_its_content_when_the_volume_is_written_later()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("vol-a", 16);
        await f.Plane.WriteAsync("vol-a", MiB, Fill(3 * MiB, 0xAA), Ct);
        var snap = await f.Plane.CreateSnapshotAsync("vol-a", "snap-1", new Dictionary<string, string> { ["k"] = "v" }, Ct);
        await f.Plane.WriteAsync("vol-a", 2 * MiB, Fill(MiB, 0xBB), Ct);

        var v = f.Plane.Volume("vol-a");
        var frozen = await ReadSnapshotAsync(v, "snap-1", 0, 4 * MiB);
        Assert.All(frozen[..MiB], b => Assert.Equal(0, b));
        Assert.All(frozen[MiB..(4 * MiB)], b => Assert.Equal(0xAA, b));
        var live = new byte[MiB];
        await f.Plane.ReadAsync("vol-a", 2 * MiB, live, Ct);
        Assert.All(live, b => Assert.Equal(0xBB, b));

        Assert.True(snap.Status.ReadyToUse);
        Assert.Equal("", snap.Status.Parent);
        Assert.True(snap.Status.Children["volume-head"]);
        Assert.Equal(16L * MiB, snap.Status.RestoreSize);
        Assert.Equal(4L * MiB, snap.Status.Size); // tracks 0 and 1
    }

    [Fact]
    public async Task Changed_blocks_are_the_written_ones_since_the_base_and_never_holes()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("vol-a", 32);
        await f.Plane.WriteAsync("vol-a", 0, Fill(100, 1), Ct);
        await f.Plane.WriteAsync("vol-a", 10L * MiB, Fill(100, 2), Ct);
        await f.Plane.CreateSnapshotAsync("vol-a", "snap-1", null, Ct);
        await f.Plane.WriteAsync("vol-a", 20L * MiB, Fill(100, 3), Ct);
        await f.Plane.WriteAsync("vol-a", 0, Fill(100, 4), Ct);
        await f.Plane.CreateSnapshotAsync("vol-a", "snap-2", null, Ct);
        var v = f.Plane.Volume("vol-a");

        Assert.Equal([0L, 10L * MiB, 20L * MiB], await v.ChangedBlocksAsync("snap-2", null, BlockSize, Ct));
        Assert.Equal([0L, 20L * MiB], await v.ChangedBlocksAsync("snap-2", "snap-1", BlockSize, Ct));
        Assert.Equal([0L, 16L * MiB], await v.ChangedBlocksAsync("snap-2", "snap-1", 16 * MiB, Ct));
        await Assert.ThrowsAsync<InvalidInputException>(() => v.ChangedBlocksAsync("snap-1", "snap-2", BlockSize, Ct));
    }

    [Fact]
    public async Task Deleting_a_snapshot_merges_it_without_changing_what_later_snapshots_hold()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("vol-a", 16);
        await f.Plane.WriteAsync("vol-a", 0, Fill(BlockSize, 1), Ct);
        await f.Plane.WriteAsync("vol-a", 4L * MiB, Fill(BlockSize, 2), Ct);
        await f.Plane.CreateSnapshotAsync("vol-a", "snap-1", null, Ct);
        await f.Plane.WriteAsync("vol-a", 0, Fill(BlockSize, 3), Ct);
        await f.Plane.CreateSnapshotAsync("vol-a", "snap-2", null, Ct);
        await f.Plane.WriteAsync("vol-a", 4L * MiB, Fill(BlockSize, 4), Ct);
        await f.Plane.CreateSnapshotAsync("vol-a", "snap-3", null, Ct);
        var v = f.Plane.Volume("vol-a");
        var before = await ReadSnapshotAsync(v, "snap-2", 0, 8 * MiB);

        await f.Plane.DeleteSnapshotAsync("snap-1", Ct);
        Assert.Equal(before, await ReadSnapshotAsync(v, "snap-2", 0, 8 * MiB));
        Assert.Equal(["snap-2", "snap-3"], f.Plane.ListSnapshots("vol-a").Select(s => s.Name));
        Assert.Equal("", f.Plane.GetSnapshot("snap-2").Status.Parent);

        await f.Plane.DeleteSnapshotAsync("snap-3", Ct); // the newest merges into the head: its tracks count as changed again
        await f.Plane.CreateSnapshotAsync("vol-a", "snap-4", null, Ct);
        Assert.Equal([4L * MiB], await v.ChangedBlocksAsync("snap-4", "snap-2", BlockSize, Ct));
        Assert.All(await ReadSnapshotAsync(v, "snap-4", 4L * MiB, BlockSize), b => Assert.Equal(4, b));
        await Assert.ThrowsAsync<NotFoundException>(() => f.Plane.DeleteSnapshotAsync("snap-1", Ct));
    }

    [Fact]
    public async Task The_app_like_writer_lays_out_files_with_holes_and_can_check_them()
    {
        await using var f = new DataPlaneFixture();
        await f.CreateVolumeAsync("vol-a", 64);
        var writer = new VolumeDataWriter(f.Plane, "vol-a");
        var files = await writer.WriteFilesAsync(40, 1000, 200_000, seed: 5, volumeSize: 64L * MiB, Ct);
        Assert.Equal(40, files.Count);
        Assert.Empty(await writer.FindDamagedFilesAsync(files, Ct));
        await f.Plane.CreateSnapshotAsync("vol-a", "snap-1", null, Ct);
        var dataBlocks = await f.Plane.Volume("vol-a").ChangedBlocksAsync("snap-1", null, BlockSize, Ct);
        Assert.InRange(dataBlocks.Count, 2, 31); // some data, some holes

        await writer.WritePatternAsync(files[3].Offset, 10, new byte[] { 0xde, 0xad }, Ct);
        Assert.Equal([files[3].Name], await writer.FindDamagedFilesAsync(files, Ct));
    }
}
