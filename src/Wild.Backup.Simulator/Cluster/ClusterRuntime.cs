using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Provisioning;
using Wild.Backup.Simulator.Resources;
using Wild.Backup.Simulator.Resources.Kinds;
using Wild.Backup.Simulator.Storage;

namespace Wild.Backup.Simulator.Cluster;

/// <summary>
/// Everything one simulated cluster shares: the store, the served resources, the in-process API,
/// allocators, provisioners and the event recorder. Created by <see cref="SimulatedCluster"/>.
/// </summary>
internal sealed class ClusterRuntime
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public ClusterRuntime(SimulatedClusterOptions options, string caCertificatePem)
    {
        Options = options;
        CaCertificatePem = caCertificatePem;
        Store = new ObjectStore(options.WatchHistoryLimit);
        Registry = new ResourceRegistry(BuiltInResources.Create());
        Allocators = new Allocators(this);
        Api = new ClusterApi(this);
        Events = new EventRecorder(this);
        LoggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
    }

    public SimulatedClusterOptions Options { get; }

    public string CaCertificatePem { get; }

    public ObjectStore Store { get; }

    public ResourceRegistry Registry { get; }

    public Allocators Allocators { get; }

    public ClusterApi Api { get; }

    public EventRecorder Events { get; }

    public ProvisionerRegistry Provisioners { get; } = new();

    /// <summary>CSI node plugins the kubelets stage volumes with.</summary>
    public CsiNodeRegistry CsiNodes { get; } = new();

    /// <summary>Admission webhooks registered by extensions.</summary>
    public Extensibility.AdmissionChain Admission { get; } = new();

    public ILoggerFactory LoggerFactory { get; }

    public TimeProvider Time { get; } = TimeProvider.System;

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>Five characters as Kubernetes' name generator uses (generateName, pod suffixes).</summary>
    public static string RandomSuffix(int length = 5)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++) chars[i] = NameAlphabet[Random.Shared.Next(NameAlphabet.Length)];
        return new string(chars);
    }

    /// <summary>Direct read of the stored object (no API semantics), or null.</summary>
    public JsonObject? GetObject(GroupVersionResource resource, string? ns, string name)
        => Store.Get(resource.GroupResource, new ObjectKey(ns ?? "", name))?.Parse();

    /// <summary>The StorageClass marked default (newest wins if several, as the admission plugin does), or null.</summary>
    public string? DefaultStorageClassName()
    {
        var (items, _) = Store.List(GroupVersionResource.StorageClasses.GroupResource, null);
        return items.Select(i => i.Parse())
            .Where(sc => sc.Str("metadata", "annotations", StorageClassStrategy.DefaultClassAnnotation) == "true"
                         || sc.Str("metadata", "annotations", "storageclass.beta.kubernetes.io/is-default-class") == "true")
            .OrderByDescending(sc => sc.Str("metadata", "creationTimestamp"), StringComparer.Ordinal)
            .Select(sc => sc.Str("metadata", "name"))
            .FirstOrDefault();
    }
}
