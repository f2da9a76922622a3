using Wild.Backup.Core.Nfs;
using Wild.Backup.Core.Tests.Support;
using Wild.Backup.Testing;
using Wild.Backup.Simulator.Nfs;

namespace Wild.Backup.Core.Tests.Nfs.Support;

/// <summary>A Ganesha server of a test's own (for stopping, restarting, pausing), with its export directory.</summary>
public sealed class OwnGanesha : IAsyncDisposable
{
    private readonly TempDir? _export;

    private OwnGanesha(GaneshaServer server, TempDir? export)
    {
        Server = server;
        _export = export;
    }

    public GaneshaServer Server { get; }
    public string ExportDirectory => Server.ExportDirectory;

    public string Local(params string[] parts) => Path.Combine([ExportDirectory, .. parts]);

    public static async Task<OwnGanesha> StartAsync(Func<GaneshaOptions, GaneshaOptions>? configure = null)
    {
        var export = new TempDir("wild-nfs-export-");
        try
        {
            var options = new GaneshaOptions { ExportDirectory = export.Path };
            return new OwnGanesha(await GaneshaServer.StartAsync(configure?.Invoke(options) ?? options), export);
        }
        catch
        {
            export.Dispose();
            throw;
        }
    }

    /// <summary>Serves a fresh tmpfs of <paramref name="sizeMiB"/> MiB: an export that fills up.</summary>
    public static async Task<OwnGanesha> StartOnTmpfsAsync(int sizeMiB) =>
        new(await GaneshaServer.StartOnTmpfsAsync(sizeMiB), null);

    public NfsStore Store(string? subPath = null, string query = "timeout=5", NfsStoreOptions? options = null) =>
        new(Server.Url(subPath, query), options);

    /// <summary>Every file under the export with its bytes: to show nothing changed.</summary>
    public SortedDictionary<string, string> Snapshot()
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in Directory.EnumerateFileSystemEntries(ExportDirectory, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(ExportDirectory, f);
            result[rel] = File.Exists(f) ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))) : "<dir>";
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _export?.Dispose();
    }
}
