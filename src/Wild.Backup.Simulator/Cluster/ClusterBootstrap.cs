using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;

namespace Wild.Backup.Simulator.Cluster;

/// <summary>
/// The objects a fresh Talos cluster with Longhorn has: system namespaces, Talos control-plane Nodes,
/// the "kubernetes" Service, and the default StorageClass "longhorn". Created through the API.
/// </summary>
internal static class ClusterBootstrap
{
    public static void Run(ClusterRuntime rt)
    {
        var api = rt.Api;
        var options = rt.Options;
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" }.Concat(options.ExtraNamespaces).Distinct())
        {
            api.Create(GroupVersionResource.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } },
                new WriteOptions { FieldManager = "kube-apiserver" }, new RequestInfo());
        }
        for (var i = 0; i < options.NodeNames.Count; i++)
        {
            api.Create(GroupVersionResource.Nodes, null, Node(options, options.NodeNames[i], i, rt.Now), new WriteOptions { FieldManager = "kubelet" }, new RequestInfo());
        }
        api.Create(GroupVersionResource.Services, "default", new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "kubernetes",
                ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            ["spec"] = new JsonObject
            {
                ["clusterIP"] = "10.96.0.1",
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = 6443 }),
            },
        }, new WriteOptions { FieldManager = "kube-apiserver" }, new RequestInfo());
        if (options.CreateLonghornStorageClass)
        {
            api.Create(GroupVersionResource.StorageClasses, null, LonghornStorageClass(), new WriteOptions { FieldManager = "helm" }, new RequestInfo());
        }
    }

    /// <summary>Longhorn's default StorageClass as its chart installs it (default class, Immediate binding, expandable).</summary>
    public static JsonObject LonghornStorageClass() => new()
    {
        ["apiVersion"] = "storage.k8s.io/v1",
        ["kind"] = "StorageClass",
        ["metadata"] = new JsonObject
        {
            ["name"] = "longhorn",
            ["annotations"] = new JsonObject { ["storageclass.kubernetes.io/is-default-class"] = "true" },
            ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "longhorn", ["app.kubernetes.io/instance"] = "longhorn" },
        },
        ["provisioner"] = "driver.longhorn.io",
        ["allowVolumeExpansion"] = true,
        ["reclaimPolicy"] = "Delete",
        ["volumeBindingMode"] = "Immediate",
        ["parameters"] = new JsonObject
        {
            ["numberOfReplicas"] = "3",
            ["staleReplicaTimeout"] = "30",
            ["fromBackup"] = "",
            ["fsType"] = "ext4",
            ["dataLocality"] = "disabled",
            ["unmapMarkSnapChainRemoved"] = "ignored",
            ["disableRevisionCounter"] = "true",
            ["dataEngine"] = "v1",
        },
    };

    private static JsonObject Node(SimulatedClusterOptions options, string name, int index, DateTimeOffset now)
    {
        var ts = JsonTools.Timestamp(now);
        JsonObject Condition(string type, string status, string reason, string message) => new()
        {
            ["type"] = type, ["status"] = status, ["lastHeartbeatTime"] = ts, ["lastTransitionTime"] = ts, ["reason"] = reason, ["message"] = message,
        };
        JsonObject Resources() => new()
        {
            ["cpu"] = "4", ["ephemeral-storage"] = "100Gi", ["hugepages-1Gi"] = "0", ["hugepages-2Mi"] = "0", ["memory"] = "16318384Ki", ["pods"] = "110",
        };
        string Id() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var cidr = $"10.244.{index}.0/24";
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject
                {
                    ["beta.kubernetes.io/arch"] = "amd64",
                    ["beta.kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = "amd64",
                    ["kubernetes.io/hostname"] = name,
                    ["kubernetes.io/os"] = "linux",
                    ["node-role.kubernetes.io/control-plane"] = "",
                    ["node.kubernetes.io/exclude-from-external-load-balancers"] = "",
                },
                ["annotations"] = new JsonObject
                {
                    ["node.alpha.kubernetes.io/ttl"] = "0",
                    ["talos.dev/owned-labels"] = "[\"node-role.kubernetes.io/control-plane\"]",
                    ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
                },
            },
            ["spec"] = new JsonObject { ["podCIDR"] = cidr, ["podCIDRs"] = new JsonArray(cidr) },
            ["status"] = new JsonObject
            {
                ["capacity"] = Resources(),
                ["allocatable"] = Resources(),
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = NodeIp(index) },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["machineID"] = Id(),
                    ["systemUUID"] = Guid.NewGuid().ToString(),
                    ["bootID"] = Guid.NewGuid().ToString(),
                    ["kernelVersion"] = "6.12.31-talos",
                    ["osImage"] = $"Talos ({options.TalosVersion})",
                    ["containerRuntimeVersion"] = "containerd://2.0.5",
                    ["kubeletVersion"] = options.KubernetesVersion,
                    ["kubeProxyVersion"] = "",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        };
    }

    public static string NodeIp(int index) => $"192.168.8.{31 + index}";
}
