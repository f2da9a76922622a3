using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Longhorn.Admission;
using Wild.Backup.Simulator.Longhorn.Controllers;
using Wild.Backup.Simulator.Longhorn.Crds;
using Wild.Backup.Simulator.Longhorn.Csi;
using Wild.Backup.Simulator.Longhorn.Kube;
using Wild.Backup.Simulator.Longhorn.Targets;
using Wild.Backup.Simulator.Patching;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// Longhorn on the simulated cluster: registers its CRDs (longhorn.io/v1beta2 in <c>longhorn-system</c>), its admission
/// webhooks and the <c>driver.longhorn.io</c> provisioner, creates the Settings and the BackupTarget <c>default</c>,
/// and runs longhorn-manager's controllers over the simulated data plane until the cluster stops. Added by
/// <see cref="Cluster.SimulatedCluster"/> when <see cref="Cluster.SimulatedClusterOptions.Longhorn"/> is set;
/// <see cref="Simulator"/> is the handle tests use (data, faults).
/// </summary>
public sealed class LonghornExtension(LonghornOptions options) : IClusterExtension, IAsyncDisposable
{
    private readonly List<string> _ownedDirectories = [];
    private LonghornContext? _context;
    private LonghornSimulator? _simulator;

    public string Name => "longhorn";

    public LonghornOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Available once the cluster has started.</summary>
    public LonghornSimulator Simulator => _simulator ?? throw new InvalidOperationException("Longhorn has not been started on a cluster yet.");

    public async Task InitializeAsync(ClusterExtensionContext context, CancellationToken cancellationToken)
    {
        var targetDirectory = Options.TargetDirectory ?? OwnedTemporaryDirectory("target");
        var dataDirectory = Options.DataDirectory ?? OwnedTemporaryDirectory("volumes");
        Directory.CreateDirectory(targetDirectory);
        var locator = new BackupTargetLocator(Options.BackupTargetUrl, targetDirectory);
        var plane = new LonghornDataPlane(new LonghornDataPlaneOptions
        {
            DataDirectory = Path.GetFullPath(dataDirectory),
            BackupCompressionMethod = Options.BackupCompressionMethod,
            BackupTimeout = Options.BackupTimeout,
            RestoreTimeout = Options.RestoreTimeout,
            DefaultBackupBlockSize = Core.Longhorn.BlockStore.BackupParameters.DefaultBlockSize,
            Time = new SkewedTimeProvider(context.Runtime.Time, Options.ClockSkew),
        });
        var node = Options.NodeName ?? context.Options.NodeNames.FirstOrDefault() ?? "wild-cp-1";
        _context = new LonghornContext(context.Runtime, plane, Options, locator, node);
        _simulator = new LonghornSimulator(_context, targetDirectory, dataDirectory);

        await EnsureNamespaceAsync(context, cancellationToken).ConfigureAwait(false);
        foreach (var webhook in LonghornWebhooks.Create(_context.Store)) context.RegisterAdmissionWebhook(webhook);
        foreach (var crd in LonghornCrds.For(Options.Version))
            await context.RegisterCustomResourceDefinitionAsync(YamlJson.Parse(crd.Yaml)!.AsObject(), cancellationToken).ConfigureAwait(false);
        context.RegisterProvisioner(new LonghornCsiProvisioner(_context.Store));
        context.RegisterCsiNode(new LonghornCsiNode(_context.Store, plane));

        foreach (var (name, definition) in SettingNames.For(Options.Version))
        {
            var value = name == SettingNames.BackupCompressionMethod ? Options.BackupCompressionMethod : definition.Default;
            await CreateAsync(context, LonghornKube.Settings, new JsonObject
            {
                ["kind"] = "Setting",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["value"] = value,
            }, cancellationToken).ConfigureAwait(false);
        }
        await CreateAsync(context, LonghornKube.BackupTargets, new JsonObject
        {
            ["kind"] = "BackupTarget",
            ["metadata"] = new JsonObject { ["name"] = LonghornKube.DefaultTargetName },
            ["spec"] = new JsonObject
            {
                ["backupTargetURL"] = Options.BackupTargetUrl,
                ["credentialSecret"] = "",
                ["pollInterval"] = GoDuration.Format(Options.PollInterval),
            },
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task RunAsync(ClusterExtensionContext context, CancellationToken cancellationToken)
    {
        var lh = _context ?? throw new InvalidOperationException("Longhorn was not initialized.");
        LonghornController[] controllers =
        [
            new SettingController(lh),
            new BackupTargetController(lh),
            new VolumeController(lh),
            new SnapshotController(lh),
            new BackupController(lh),
            new BackupVolumeController(lh),
        ];
        return Task.WhenAll(controllers.Select(c => c.RunAsync(cancellationToken)));
    }

    /// <summary>Stops the data plane (running backups and restores are cancelled) and removes the directories it made.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_context is { } lh) await lh.Plane.DisposeAsync().ConfigureAwait(false);
        foreach (var dir in _ownedDirectories)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temporary directory left behind is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private string OwnedTemporaryDirectory(string what)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"wild-longhorn-{what}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(dir);
        _ownedDirectories.Add(dir);
        return dir;
    }

    private static async Task EnsureNamespaceAsync(ClusterExtensionContext context, CancellationToken ct)
    {
        try
        {
            await context.Api.CreateAsync(GroupVersionResource.Namespaces, null, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Namespace",
                ["metadata"] = new JsonObject { ["name"] = LonghornKube.Namespace },
            }, new WriteOptions { FieldManager = LonghornKube.Manager }, ct).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
        }
    }

    private static async Task CreateAsync(ClusterExtensionContext context, GroupVersionResource resource, JsonObject obj, CancellationToken ct)
    {
        obj["apiVersion"] = LonghornKube.ApiVersion;
        obj.Ensure("metadata")["namespace"] = LonghornKube.Namespace;
        try
        {
            await context.Api.CreateAsync(resource, LonghornKube.Namespace, obj, new WriteOptions { FieldManager = LonghornKube.Manager }, ct).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
        }
    }
}
