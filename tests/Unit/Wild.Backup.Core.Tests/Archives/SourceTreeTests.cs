using Wild.Backup.Core.Archives;
using Wild.Backup.Core.IO;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Archives;

/// <summary>The Linux walk (system calls relative to open directories) and the portable walk (FileSystemInfo) see the
/// same tree the same way; the archive of an app is built from it.</summary>
public sealed class SourceTreeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>An app directory as they come: nested directories, an empty one, a binary file, a secret-mode file, a
    /// link, a fifo.</summary>
    private string Tree()
    {
        var root = _dir.Combine("app");
        Directory.CreateDirectory(Path.Combine(root, "templates", "nested"));
        Directory.CreateDirectory(Path.Combine(root, "empty"));
        File.WriteAllText(Path.Combine(root, "manifest.yaml"), "name: app\nrequires:\n  - name: postgres\n");
        File.WriteAllText(Path.Combine(root, "templates", "nested", "deployment.yaml"), "kind: Deployment\n");
        File.WriteAllBytes(Path.Combine(root, "logo.png"), Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray());
        File.WriteAllText(Path.Combine(root, "token"), "not really a secret\n");
        File.SetUnixFileMode(Path.Combine(root, "token"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetLastWriteTimeUtc(Path.Combine(root, "manifest.yaml"), new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));
        File.CreateSymbolicLink(Path.Combine(root, "current"), "templates/nested/deployment.yaml");
        Assert.Equal(0, SampleWorld.Run("mkfifo", Path.Combine(root, "pipe")).Code);
        return root;
    }

    private static List<(SourceEntry Entry, byte[]? Content)> Read(IEnumerable<SourceEntry> walk)
    {
        var list = new List<(SourceEntry, byte[]?)>();
        foreach (var e in walk)
        {
            byte[]? content = null;
            if (e.Data is { } data)
            {
                using var ms = new MemoryStream();
                using (data) data.CopyTo(ms);
                content = ms.ToArray();
            }
            list.Add((e with { }, content));
        }
        return list;
    }

    [Fact]
    public void The_fast_path_is_the_one_that_runs_here()
    {
        // CI runs on Linux x64: if the system-call path silently fell back to the portable one, this says so.
        Assert.True(Posix.Supported);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Both_walks_see_the_same_entries(bool openFiles)
    {
        var root = Tree();
        var unix = Read(SourceTree.WalkUnix(root, openFiles));
        var portable = Read(SourceTree.WalkPortable(root, openFiles));

        Assert.Equal(portable.Select(p => (p.Entry.Path, p.Entry.Kind)), unix.Select(u => (u.Entry.Path, u.Entry.Kind)));
        Assert.Equal(
            ["current", "empty", "logo.png", "manifest.yaml", "pipe", "templates", "templates/nested", "templates/nested/deployment.yaml", "token"],
            unix.Select(u => u.Entry.Path));
        foreach (var ((u, uc), (p, pc)) in unix.Zip(portable))
        {
            if (u.Kind == SourceKind.SymbolicLink)
            {
                Assert.Equal("templates/nested/deployment.yaml", u.LinkTarget);
                Assert.Equal(p.LinkTarget, u.LinkTarget);
                continue;
            }
            if (u.Kind == SourceKind.Other) continue;
            Assert.Equal(p.Mode, u.Mode);
            Assert.Equal(p.ModifiedUtc, u.ModifiedUtc);
            Assert.Equal(p.Size, u.Size);
            Assert.Equal(pc, uc);
            if (u.Kind == SourceKind.File && openFiles) Assert.Equal(File.ReadAllBytes(Path.Combine(root, u.Path)), uc);
        }
        var manifest = unix.Single(u => u.Entry.Path == "manifest.yaml").Entry;
        Assert.Equal(new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), manifest.ModifiedUtc);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, unix.Single(u => u.Entry.Path == "token").Entry.Mode);
        Assert.Equal(70_000, unix.Single(u => u.Entry.Path == "logo.png").Entry.Size);
    }

    [Fact]
    public void A_file_is_read_up_to_the_size_it_had_when_opened()
    {
        // The archive header already holds the size: a file growing meanwhile must not overrun it, one shrinking is an error.
        var path = _dir.Combine("growing.log");
        File.WriteAllText(path, "0123456789");
        using (var fd = Posix.Open(path, Posix.O_RDONLY, 0, path))
        using (var s = UnixFileStream.ForReading(fd, path, 4))
        {
            File.AppendAllText(path, "more");
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            Assert.Equal("0123"u8.ToArray(), ms.ToArray());
        }
        using (var fd = Posix.Open(path, Posix.O_RDONLY, 0, path))
        using (var s = UnixFileStream.ForReading(fd, path, 100))
        {
            var ex = Assert.Throws<IOException>(() => s.CopyTo(Stream.Null));
            Assert.Contains("shrank", ex.Message);
        }
    }

    [Fact]
    public void Errors_name_the_file_and_carry_the_errno()
    {
        var missing = _dir.Combine("nope", "x");
        var ex = Assert.Throws<FileNotFoundException>(() => Posix.Open(missing, Posix.O_RDONLY, 0, missing));
        Assert.Contains(missing, ex.Message);
        Assert.Equal(Posix.ENOENT, ex.HResult);
    }
}
