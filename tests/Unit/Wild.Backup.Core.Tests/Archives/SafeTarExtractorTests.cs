using System.Formats.Tar;
using System.IO.Compression;
using Wild.Backup.Core.Archives;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Archives;

public sealed class SafeTarExtractorTests : IDisposable
{
    private readonly TempDir _dir = new();
    private string Target => _dir.Combine("target");

    public void Dispose() => _dir.Dispose();

    private static MemoryStream Archive(params TarEntry[] entries)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries) tar.WriteEntry(e);
        }
        ms.Position = 0;
        return ms;
    }

    private static PaxTarEntry File(string name, string content = "x") =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)) };

    private static PaxTarEntry Link(TarEntryType type, string name, string target) => new(type, name) { LinkName = target };

    private async Task<CorruptBackupException> Refused(MemoryStream archive, ExtractLimits? limits = null)
    {
        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => SafeTarExtractor.ExtractAsync(archive, Target, limits ?? ExtractLimits.Config, "config.tar.gz", CancellationToken.None));
        Assert.Equal("config.tar.gz", ex.Message[..13]);
        // Nothing was written outside the target.
        Assert.Equal(["target"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName));
        return ex;
    }

    [Theory]
    [InlineData("/etc/cron.d/evil", "absolute path")]
    [InlineData("../evil", "'..'")]
    [InlineData("a/../../evil", "'..'")]
    [InlineData("a\\..\\evil", "backslash")]
    public async Task Hostile_names_are_refused_and_named(string name, string why)
    {
        var ex = await Refused(Archive(File("ok.yaml"), File(name)));
        Assert.Contains($"'{name}'", ex.Message);
        Assert.Contains(why, ex.Message);
        Assert.Equal("UnsafeArchiveEntry", ex.ErrorId);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../outside")]
    [InlineData("sub/../../outside")]
    public async Task Links_leading_outside_are_refused(string target)
    {
        var ex = await Refused(Archive(Link(TarEntryType.SymbolicLink, "link", target)));
        Assert.Contains("'link'", ex.Message);
        Assert.Contains("outside", ex.Message);
    }

    [Fact]
    public async Task A_hard_link_to_outside_is_refused()
    {
        var ex = await Refused(Archive(Link(TarEntryType.HardLink, "hl", "../../etc/shadow")));
        Assert.Contains("'..'", ex.Message);
    }

    [Fact]
    public async Task Writing_through_a_symlink_is_refused_even_when_the_link_points_inside()
    {
        var ex = await Refused(Archive(new PaxTarEntry(TarEntryType.Directory, "real/"), Link(TarEntryType.SymbolicLink, "alias", "real"), File("alias/file")));
        Assert.Contains("'alias/file'", ex.Message);
        Assert.Contains("through a symbolic link", ex.Message);
    }

    [Theory]
    [InlineData(TarEntryType.CharacterDevice, "character device")]
    [InlineData(TarEntryType.BlockDevice, "block device")]
    [InlineData(TarEntryType.Fifo, "fifo")]
    public async Task Devices_and_fifos_are_refused(TarEntryType type, string what)
    {
        var ex = await Refused(Archive(new PaxTarEntry(type, "dev")));
        Assert.Contains(what, ex.Message);
    }

    [Fact]
    public async Task Entries_over_the_size_limit_are_refused_before_their_data_is_written()
    {
        var ex = await Refused(Archive(File("big", new string('x', 5000))), new ExtractLimits(MaxEntryBytes: 1000, MaxTotalBytes: 10_000, MaxEntries: 10));
        Assert.Contains("over the 1000-byte limit", ex.Message);
        Assert.False(System.IO.File.Exists(Path.Combine(Target, "big")));
    }

    [Fact]
    public async Task Total_size_and_entry_count_are_bounded()
    {
        var many = Enumerable.Range(0, 5).Select(i => (TarEntry)File($"f{i}", new string('x', 400))).ToArray();
        var total = await Refused(Archive(many), new ExtractLimits(MaxEntryBytes: 1000, MaxTotalBytes: 1000, MaxEntries: 100));
        Assert.Contains("more than 1000 bytes", total.Message);
        Directory.Delete(Target, true);
        var count = await Refused(Archive(Enumerable.Range(0, 5).Select(i => (TarEntry)File($"g{i}")).ToArray()), new ExtractLimits(1000, 100_000, MaxEntries: 3));
        Assert.Contains("more than 3 entries", count.Message);
    }

    [Fact]
    public async Task Duplicate_entries_are_refused()
    {
        var ex = await Refused(Archive(File("a"), File("a", "again")));
        Assert.Contains("appears twice", ex.Message);
    }

    [Fact]
    public async Task A_truncated_archive_is_damaged()
    {
        var full = Archive(File("a", new string('y', 100_000))).ToArray();
        var ex = await Assert.ThrowsAsync<CorruptBackupException>(() => SafeTarExtractor.ExtractAsync(new MemoryStream(full[..(full.Length / 2)]), Target, ExtractLimits.Config, "setup.tar.gz", CancellationToken.None));
        Assert.Equal("ArchiveUnreadable", ex.ErrorId);
        Assert.StartsWith("setup.tar.gz is", ex.Message);
    }

    [Fact]
    public async Task Good_archives_keep_layout_modes_and_inside_links_without_special_bits()
    {
        var exe = File("bin/run.sh", "#!/bin/sh\n");
        exe.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.SetUser;
        var archive = Archive(new PaxTarEntry(TarEntryType.Directory, "bin/"), exe, Link(TarEntryType.SymbolicLink, "run", "bin/run.sh"), File("./conf/x.yaml", "a: 1\n"));
        var n = await SafeTarExtractor.ExtractAsync(archive, Target, ExtractLimits.Config, "config.tar.gz", CancellationToken.None);
        Assert.Equal(4, n);
        Assert.Equal("a: 1\n", System.IO.File.ReadAllText(Path.Combine(Target, "conf", "x.yaml")));
        Assert.Equal("bin/run.sh", new FileInfo(Path.Combine(Target, "run")).LinkTarget);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, System.IO.File.GetUnixFileMode(Path.Combine(Target, "bin", "run.sh")));
    }

    [Fact]
    public async Task What_the_writer_writes_the_extractor_reads_back_identically()
    {
        var src = _dir.Combine("src");
        Directory.CreateDirectory(Path.Combine(src, "a", "b"));
        System.IO.File.WriteAllText(Path.Combine(src, "a", "b", "deep.yaml"), "deep: true\n");
        System.IO.File.WriteAllBytes(Path.Combine(src, "bin.dat"), Enumerable.Range(0, 5000).Select(i => (byte)i).ToArray());
        System.IO.File.CreateSymbolicLink(Path.Combine(src, "link"), "a/b/deep.yaml");
        var skipped = new List<string>();
        using var ms = new MemoryStream();
        await TarGzWriter.WriteDirectoryAsync(src, ms, skipped.Add, null, CancellationToken.None);
        ms.Position = 0;
        await SafeTarExtractor.ExtractAsync(ms, Target, ExtractLimits.Config, "x", CancellationToken.None);
        Backups.AppBackupTests.AssertSameTree(src, Target);
        Assert.Empty(skipped);
    }

    [Fact]
    public async Task The_writer_skips_fifos_without_blocking_and_says_so()
    {
        var src = _dir.Combine("src2");
        Directory.CreateDirectory(src);
        System.IO.File.WriteAllText(Path.Combine(src, "ok.yaml"), "ok: 1\n");
        Assert.Equal(0, SampleWorld.Run("mkfifo", Path.Combine(src, "pipe")).Code);
        var skipped = new List<string>();
        using var ms = new MemoryStream();
        await TarGzWriter.WriteDirectoryAsync(src, ms, skipped.Add, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["pipe"], skipped);
    }
}
