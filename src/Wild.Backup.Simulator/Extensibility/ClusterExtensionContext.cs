using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Provisioning;

namespace Wild.Backup.Simulator.Extensibility;

/// <summary>What an <see cref="IClusterExtension"/> gets: the in-process API, events, provisioner registration.</summary>
public sealed class ClusterExtensionContext
{
    private readonly ClusterRuntime runtime;

    internal ClusterExtensionContext(ClusterRuntime runtime, ILogger logger)
    {
        this.runtime = runtime;
        Logger = logger;
    }

    /// <summary>The API server in-process: get/list/create/update/patch/delete/watch with full API semantics.</summary>
    public IClusterApi Api => runtime.Api;

    /// <summary>Records core/v1 Events (use your component name, e.g. "longhorn-manager").</summary>
    public IEventRecorder Events => runtime.Events;

    public SimulatedClusterOptions Options => runtime.Options;

    public TimeProvider Time => runtime.Time;

    public ILogger Logger { get; }

    /// <summary>
    /// The cluster's internals, for extensions compiled into this assembly (e.g. Longhorn/): lets them
    /// derive from the internal <c>Controllers.Controller</c> base class (work queue, watches, retries)
    /// and read the store directly.
    /// </summary>
    internal ClusterRuntime Runtime => runtime;

    /// <summary>Registers (or replaces, by name) a dynamic provisioner, e.g. for <c>driver.longhorn.io</c>.</summary>
    public void RegisterProvisioner(IVolumeProvisioner provisioner) => runtime.Provisioners.Register(provisioner);

    /// <summary>Registers (or replaces, by driver) a CSI node plugin the kubelets stage that driver's volumes with.</summary>
    public void RegisterCsiNode(ICsiNode node) => runtime.CsiNodes.Register(node);

    /// <summary>Registers an admission webhook, called on every create and update of the resources it handles.</summary>
    public void RegisterAdmissionWebhook(IAdmissionWebhook webhook) => runtime.Admission.Register(webhook);

    /// <summary>
    /// Creates a CustomResourceDefinition (apiextensions.k8s.io/v1 object; updated if it exists) and
    /// waits until it is Established and its resource is served.
    /// </summary>
    public async Task<JsonObject> RegisterCustomResourceDefinitionAsync(JsonObject crd, CancellationToken cancellationToken)
    {
        var name = crd.Str("metadata", "name") ?? throw new ArgumentException("the CRD needs metadata.name", nameof(crd));
        try
        {
            await Api.CreateAsync(GroupVersionResource.CustomResourceDefinitions, null, crd.CloneObject(),
                new WriteOptions { FieldManager = "wild-simulator-extension" }, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.Code == 409)
        {
            var current = await Api.GetAsync(GroupVersionResource.CustomResourceDefinitions, null, name, cancellationToken).ConfigureAwait(false);
            var update = crd.CloneObject();
            update.Ensure("metadata")["resourceVersion"] = current.Str("metadata", "resourceVersion");
            await Api.ReplaceAsync(GroupVersionResource.CustomResourceDefinitions, null, name, update, null,
                new WriteOptions { FieldManager = "wild-simulator-extension" }, cancellationToken).ConfigureAwait(false);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var current = await Api.GetAsync(GroupVersionResource.CustomResourceDefinitions, null, name, cancellationToken).ConfigureAwait(false);
            var established = current.Arr("status", "conditions")?.OfType<JsonObject>()
                .Any(c => c.Str("type") == "Established" && c.Str("status") == "True") == true;
            if (established && runtime.Registry.Find(new GroupResource(current.Str("spec", "group") ?? "", current.Str("spec", "names", "plural") ?? "")) is not null)
            {
                return current;
            }
            await Task.Delay(20, timeout.Token).ConfigureAwait(false);
        }
    }
}
