using k8s;
using k8s.Models;
using Wild.Backup.Core.Longhorn.BlockStore;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Longhorn;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Longhorn.Support;

/// <summary>
/// A simulated cluster with Longhorn, its typed client (from a kubeconfig file, as the product loads one) and
/// GenericClients for the Longhorn kinds. One per test class (xunit class fixture), disposed with it.
/// </summary>
public class LonghornCluster : IAsyncLifetime, IAsyncDisposable
{
    public const string Ns = "longhorn-system";
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly LonghornOptions _options;
    private SimulatedCluster? _cluster;
    private Kubernetes? _client;

    public LonghornCluster()
        : this(Options())
    {
    }

    protected LonghornCluster(LonghornOptions options) => _options = options;

    /// <summary>The options of a test cluster: quick polls and attaching, Longhorn <paramref name="version"/> (default 1.8).</summary>
    public static LonghornOptions Options(LonghornVersion? version = null) => new()
    {
        PollInterval = TimeSpan.FromSeconds(2),
        AttachDelay = TimeSpan.FromMilliseconds(200),
        Version = version ?? LonghornVersion.Default,
    };

    /// <summary>A cluster of its own (e.g. a second cluster over the same backup target), for <c>await using</c>.</summary>
    public static async Task<LonghornCluster> StartAsync(LonghornOptions options)
    {
        var cluster = new LonghornCluster(options);
        await cluster.InitializeAsync();
        return cluster;
    }

    public SimulatedCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");
    public Kubernetes Client => _client ?? throw new InvalidOperationException("not started");
    public LonghornSimulator Longhorn => Cluster.Longhorn;

    public GenericClient Volumes => Generic("volumes");
    public GenericClient Snapshots => Generic("snapshots");
    public GenericClient Backups => Generic("backups");
    public GenericClient BackupVolumes => Generic("backupvolumes");
    public GenericClient BackupTargets => Generic("backuptargets");
    public GenericClient Settings => Generic("settings");
    public GenericClient Engines => Generic("engines");

    public GenericClient Generic(string plural) => new(Client, "longhorn.io", "v1beta2", plural, disposeClient: false);

    public async Task InitializeAsync()
    {
        var options = SharedCluster.FastOptions();
        options.Longhorn = _options;
        _cluster = await SimulatedCluster.StartAsync(options);
        _client = Clients.FromKubeconfigFile(_cluster);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    /// <summary>A unique name for one test's objects.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Pseudo-random bytes from <paramref name="seed"/> (they barely compress, so block sizes stay near 2 MiB).</summary>
    public static byte[] RandomBytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>Where a volume's backups are in the default target's directory (<c>backupstore/volumes/xx/yy/&lt;volume&gt;</c>).</summary>
    public string StoreVolumeDirectory(string volume) => Path.Combine(Longhorn.TargetDirectory, BlockStorePaths.VolumeDirectory(volume));

    public string BackupCfgPath(string volume, string backup) => Path.Combine(Longhorn.TargetDirectory, BlockStorePaths.BackupConfig(volume, backup));

    /// <summary>Every .blk of a volume in the default target (none when it has no blocks directory yet).</summary>
    public IReadOnlyList<string> BlockFiles(string volume)
    {
        var dir = Path.Combine(Longhorn.TargetDirectory, BlockStorePaths.BlocksDirectory(volume));
        return Directory.Exists(dir) ? Directory.GetFiles(dir, "*.blk", SearchOption.AllDirectories) : [];
    }

    /// <summary>A bound claim whose volume holds <paramref name="bytes"/> random bytes from offset 0; returns the volume.</summary>
    public async Task<string> ClaimWithDataAsync(string ns, string claim, string size, int bytes, int seed)
    {
        var volume = await CreateClaimAsync(ns, claim, size);
        await Longhorn.WriteAsync(ns, claim, 0, RandomBytes(bytes, seed), default);
        return volume;
    }

    /// <summary>Creates a claim of StorageClass longhorn, waits until it is Bound, and returns its Longhorn volume's name.</summary>
    public async Task<string> CreateClaimAsync(string ns, string name, string size = "64Mi")
    {
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PersistentVolumeClaimSpec
            {
                StorageClassName = "longhorn",
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
            },
        }, ns);
        var pvc = await Eventually.WaitAsync(() => Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns), c => c.Status.Phase == "Bound", $"claim {ns}/{name} bound", Wait);
        return (await Client.CoreV1.ReadPersistentVolumeAsync(pvc.Spec.VolumeName)).Spec.Csi.VolumeHandle;
    }

    /// <summary>Creates a Snapshot of a volume and waits until it is ready to use.</summary>
    public async Task<LhSnapshot> SnapshotAsync(string volume, string name, IDictionary<string, string>? labels = null)
    {
        await Snapshots.CreateNamespacedAsync(new LhSnapshot
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new LhSnapshot.SpecT { Volume = volume, CreateSnapshot = true, Labels = labels },
        }, Ns);
        return await Eventually.WaitAsync(() => Snapshots.ReadNamespacedAsync<LhSnapshot>(Ns, name), s => s.Status?.ReadyToUse == true, $"snapshot {name} ready", Wait);
    }

    /// <summary>Creates a Backup of a snapshot as Longhorn's own API does: labelled <c>backup-volume: &lt;the snapshot's
    /// volume&gt;</c> (Longhorn before 1.10 refuses a Backup without it), with <paramref name="labels"/> as spec labels.</summary>
    public async Task<LhBackup> CreateBackupAsync(string name, string snapshot, IDictionary<string, string>? labels = null, string? mode = null)
    {
        var volume = (await Snapshots.ReadNamespacedAsync<LhSnapshot>(Ns, snapshot)).Spec.Volume;
        return await Backups.CreateNamespacedAsync(new LhBackup
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["backup-volume"] = volume } },
            Spec = new LhBackup.SpecT { SnapshotName = snapshot, Labels = labels, BackupMode = mode },
        }, Ns);
    }

    public Task<LhBackup> WaitBackupAsync(string name, Func<LhBackup, bool> done, string what) =>
        Eventually.WaitAsync(() => Backups.ReadNamespacedAsync<LhBackup>(Ns, name), done, what, Wait);

    /// <summary>Waits until the Backup reaches a final state and returns it.</summary>
    public Task<LhBackup> WaitBackupFinalAsync(string name) =>
        WaitBackupAsync(name, b => b.Status?.State is "Completed" or "Error", $"backup {name} final");

    /// <summary>Snapshot then backup; waits for Completed.</summary>
    public async Task<LhBackup> BackupAsync(string volume, string backupName, IDictionary<string, string>? labels = null)
    {
        var snapshot = Unique("snap");
        await SnapshotAsync(volume, snapshot);
        await CreateBackupAsync(backupName, snapshot, labels);
        var done = await WaitBackupFinalAsync(backupName);
        Assert.True(done.Status!.State == "Completed", $"backup {backupName} ended {done.Status.State}: {done.Status.Error}");
        return done;
    }

    public Task<LhBackupTarget> WaitTargetAsync(Func<LhBackupTarget, bool> done, string what, string name = "default") =>
        Eventually.WaitAsync(() => BackupTargets.ReadNamespacedAsync<LhBackupTarget>(Ns, name), done, what, Wait);
}
