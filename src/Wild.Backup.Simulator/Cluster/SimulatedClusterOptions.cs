using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Controllers;
using Wild.Backup.Simulator.Extensibility;
using Wild.Backup.Simulator.Provisioning;

namespace Wild.Backup.Simulator.Cluster;

/// <summary>Settings of a <see cref="SimulatedCluster"/>. Defaults suit tests; the host uses the same.</summary>
public sealed class SimulatedClusterOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>HTTPS with a generated CA (default). False serves plain HTTP (kubeconfig then has no CA).</summary>
    public bool UseHttps { get; set; } = true;

    /// <summary>Cluster name used in the kubeconfig (cluster "name", context "admin@name").</summary>
    public string ClusterName { get; set; } = "wild-sim";

    /// <summary>Version reported by /version and by the nodes' kubelets.</summary>
    public string KubernetesVersion { get; set; } = "v1.33.1";

    /// <summary>Talos version reported in node osImage.</summary>
    public string TalosVersion { get; set; } = "v1.10.4";

    /// <summary>Names of the simulated (Talos control-plane) nodes.</summary>
    public IList<string> NodeNames { get; set; } = ["wild-cp-1", "wild-cp-2", "wild-cp-3"];

    /// <summary>Time from a pod being scheduled to Running and Ready.</summary>
    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Time a deleted pod on a node spends terminating before it is gone.</summary>
    public TimeSpan PodTerminationDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a Job pod (restartPolicy Never/OnFailure) runs before it succeeds or fails.</summary>
    public TimeSpan JobPodRunDuration { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Interval between restarts of a crash-looping container.</summary>
    public TimeSpan CrashLoopRestartInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Interval of BOOKMARK events on watches that allow them.</summary>
    public TimeSpan WatchBookmarkInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Watch timeout when the client gives no timeoutSeconds.</summary>
    public TimeSpan DefaultWatchTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Events kept for watches and paginated lists; older resourceVersions answer 410 Gone.</summary>
    public int WatchHistoryLimit { get; set; } = 20000;

    /// <summary>Run the built-in controllers (workloads, scheduler, kubelet, volumes, GC, namespaces).</summary>
    public bool RunControllers { get; set; } = true;

    /// <summary>Create the default StorageClass "longhorn" (provisioner driver.longhorn.io, default class).</summary>
    public bool CreateLonghornStorageClass { get; set; } = true;

    /// <summary>Namespaces created at start besides default, kube-system, kube-public and kube-node-lease.</summary>
    public IList<string> ExtraNamespaces { get; set; } = ["longhorn-system"];

    /// <summary>Pod behaviours chosen by namespace/name/labels (the annotation on a pod takes precedence).</summary>
    public IList<PodBehaviorRule> PodBehaviors { get; set; } = new List<PodBehaviorRule>();

    /// <summary>Provisioners to register at start (replace the defaults with the same name).</summary>
    public IList<IVolumeProvisioner> Provisioners { get; set; } = new List<IVolumeProvisioner>();

    /// <summary>
    /// Longhorn on the cluster (its CRDs, webhooks, controllers and the driver.longhorn.io provisioner over the simulated
    /// data plane); null: none (the default provisioner creates bare CSI volumes). The host turns it on by default.
    /// </summary>
    public Longhorn.LonghornOptions? Longhorn { get; set; }

    /// <summary>In-process extensions (e.g. the Longhorn simulator): CRDs and controllers.</summary>
    public IList<IClusterExtension> Extensions { get; set; } = new List<IClusterExtension>();

    /// <summary>Bearer token accepted besides the client certificate; generated when null.</summary>
    public string? BearerToken { get; set; }

    /// <summary>Logs from Kestrel and the controllers; nothing is logged when null.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Log every HTTP request (method, path, status) at Information level.</summary>
    public bool LogRequests { get; set; }
}
