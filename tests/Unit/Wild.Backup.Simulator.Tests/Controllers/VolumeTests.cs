using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Provisioning;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Controllers;

/// <summary>PersistentVolumeClaim ↔ PersistentVolume binding, provisioning, reclaim and protection.</summary>
public sealed class VolumeTests
{
    private static V1PersistentVolumeClaim Claim(string name, string? storageClass, string size = "1Gi", string? volumeName = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = storageClass,
            VolumeName = volumeName,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
    };

    private static V1PersistentVolume Volume(string name, string size, string storageClass = "", V1ObjectReference? claimRef = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
            AccessModes = ["ReadWriteOnce"],
            StorageClassName = storageClass,
            ClaimRef = claimRef,
            Nfs = new V1NFSVolumeSource { Server = "192.168.8.10", Path = "/data/media" },
        },
    };

    private static Task<V1PersistentVolumeClaim> BoundAsync(Kubernetes client, string ns, string name)
        => Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(name, ns), c => c.Status.Phase == "Bound", $"claim {name} bound");

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    [Fact]
    public async Task Longhorn_claim_is_provisioned_with_a_csi_volume_and_bound()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data", storageClass: null, size: "10Gi"), ns);
        var pvc = await BoundAsync(client, ns, "data");
        Assert.Equal($"pvc-{pvc.Metadata.Uid}", pvc.Spec.VolumeName);
        Assert.Equal("yes", pvc.Metadata.Annotations["pv.kubernetes.io/bind-completed"]);
        Assert.Equal("driver.longhorn.io", pvc.Metadata.Annotations["volume.kubernetes.io/storage-provisioner"]);
        Assert.Equal("10Gi", pvc.Status.Capacity["storage"].ToString());
        var pv = await client.CoreV1.ReadPersistentVolumeAsync(pvc.Spec.VolumeName);
        Assert.Equal("driver.longhorn.io", pv.Spec.Csi.Driver);
        Assert.Equal(pv.Metadata.Name, pv.Spec.Csi.VolumeHandle);
        Assert.Equal("3", pv.Spec.Csi.VolumeAttributes["numberOfReplicas"]);
        Assert.Equal("Delete", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("longhorn", pv.Spec.StorageClassName);
        Assert.Equal("Bound", pv.Status.Phase);
        Assert.Equal(pvc.Metadata.Uid, pv.Spec.ClaimRef.Uid);
        Assert.Equal("driver.longhorn.io", pv.Metadata.Annotations["pv.kubernetes.io/provisioned-by"]);
        var reasons = (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=data")).Items.Select(e => e.Reason).ToList();
        Assert.Contains("Provisioning", reasons);
        Assert.Contains("ProvisioningSucceeded", reasons);
    }

    [Fact]
    public async Task Static_volume_pre_bound_by_claim_ref_binds_to_that_claim()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var pvName = Unique("media");
        await client.CoreV1.CreatePersistentVolumeAsync(Volume(pvName, "100Gi", claimRef: new V1ObjectReference { NamespaceProperty = ns, Name = "media" }));
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("media", storageClass: "", size: "50Gi"), ns);
        var pvc = await BoundAsync(client, ns, "media");
        Assert.Equal(pvName, pvc.Spec.VolumeName);
        Assert.Equal("100Gi", pvc.Status.Capacity["storage"].ToString());
        var pv = await client.CoreV1.ReadPersistentVolumeAsync(pvName);
        Assert.Equal(pvc.Metadata.Uid, pv.Spec.ClaimRef.Uid);
        Assert.Equal("Retain", pv.Spec.PersistentVolumeReclaimPolicy);

        // Retain: deleting the claim releases the volume and keeps it.
        await client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("media", ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadPersistentVolumeAsync(pvName)).Status.Phase == "Released", "volume released");
        await client.CoreV1.DeletePersistentVolumeAsync(pvName);
    }

    [Fact]
    public async Task Claim_naming_a_volume_binds_to_it_and_matching_uses_class_and_size()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var className = Unique("manual");
        var small = Unique("small");
        var big = Unique("big");
        await client.CoreV1.CreatePersistentVolumeAsync(Volume(small, "1Gi", className));
        await client.CoreV1.CreatePersistentVolumeAsync(Volume(big, "20Gi", className));
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadPersistentVolumeAsync(big)).Status.Phase == "Available", "volume available");

        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("named", className, size: "1Gi", volumeName: big), ns);
        Assert.Equal(big, (await BoundAsync(client, ns, "named")).Spec.VolumeName);
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("fits", className, size: "500Mi"), ns);
        Assert.Equal(small, (await BoundAsync(client, ns, "fits")).Spec.VolumeName);
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("nothing-left", className), ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=nothing-left")).Items.Count > 0, "an event about the unbindable claim");
        Assert.Equal("Pending", (await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("nothing-left", ns)).Status.Phase);
        await client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("named", ns);
        await client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("fits", ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadPersistentVolumeAsync(big)).Status.Phase == "Released", "released");
        await client.CoreV1.DeletePersistentVolumeAsync(small);
        await client.CoreV1.DeletePersistentVolumeAsync(big);
    }

    [Fact]
    public async Task Deleting_a_dynamic_claim_deletes_the_volume_through_its_provisioner()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var className = Unique("test");
        await client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = className }, Provisioner = SharedCluster.TestProvisioner.Name, Parameters = new Dictionary<string, string> { ["fsType"] = "xfs" } });
        try
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("tmp", className), ns);
            var pvc = await BoundAsync(client, ns, "tmp");
            var pv = await client.CoreV1.ReadPersistentVolumeAsync(pvc.Spec.VolumeName);
            Assert.Equal("xfs", pv.Spec.Csi.FsType);
            await client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("tmp", ns);
            await Eventually.WaitAsync(async () => !(await client.CoreV1.ListPersistentVolumeAsync()).Items.Any(v => v.Metadata.Name == pv.Metadata.Name), "volume deleted");
            Assert.Contains(pv.Metadata.Name, SharedCluster.TestProvisioner.Deleted);
        }
        finally
        {
            await client.StorageV1.DeleteStorageClassAsync(className);
        }
    }

    [Fact]
    public async Task Claim_in_use_by_a_pod_stays_terminating_until_the_pod_is_gone()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data", null), ns);
        var pod = Pods.Simple("user");
        pod.Spec.Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } }];
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }];
        await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ReadNamespacedPodAsync("user", ns)).Status.Phase == "Running", "pod running");

        await client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", ns);
        var terminating = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal(["kubernetes.io/pvc-protection"], terminating.Metadata.Finalizers);
        Assert.Equal("Bound", terminating.Status.Phase);

        await client.CoreV1.DeleteNamespacedPodAsync("user", ns);
        await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items.Count == 0, "claim gone after the pod");
    }

    [Fact]
    public async Task Wait_for_first_consumer_binds_after_the_pod_is_scheduled()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var className = Unique("wffc");
        await client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = className }, Provisioner = SharedCluster.TestProvisioner.Name, VolumeBindingMode = "WaitForFirstConsumer" });
        try
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("late", className), ns);
            await Eventually.WaitAsync(async () => (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=WaitForFirstConsumer")).Items.Count > 0, "waiting for consumer");
            Assert.Equal("Pending", (await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("late", ns)).Status.Phase);
            var pod = Pods.Simple("consumer");
            pod.Spec.Volumes = [new V1Volume { Name = "v", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "late" } }];
            await client.CoreV1.CreateNamespacedPodAsync(pod, ns);
            var running = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPodAsync("consumer", ns), p => p.Status.Phase == "Running", "consumer running");
            var pvc = await BoundAsync(client, ns, "late");
            Assert.Equal(running.Spec.NodeName, pvc.Metadata.Annotations["volume.kubernetes.io/selected-node"]);
        }
        finally
        {
            await client.StorageV1.DeleteStorageClassAsync(className);
        }
    }

    [Fact]
    public async Task Missing_storage_class_is_reported_and_bound_claims_can_grow()
    {
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("orphan", "no-such-class"), ns);
        var failed = await Eventually.WaitAsync(() => client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=ProvisioningFailed"), l => l.Items.Count > 0, "ProvisioningFailed");
        Assert.Equal("storageclass.storage.k8s.io \"no-such-class\" not found", failed.Items[0].Message);

        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("grow", "longhorn", size: "1Gi"), ns);
        await BoundAsync(client, ns, "grow");
        await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(new V1Patch("""{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}""", V1Patch.PatchType.MergePatch), "grow", ns);
        var grown = await Eventually.WaitAsync(() => client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("grow", ns), c => c.Status.Capacity["storage"].ToString() == "2Gi", "capacity grew");
        Assert.Equal("2Gi", (await client.CoreV1.ReadPersistentVolumeAsync(grown.Spec.VolumeName)).Spec.Capacity["storage"].ToString());
    }

    [Fact]
    public async Task Provisioner_failure_is_reported_and_retried()
    {
        var cluster = await SharedCluster.GetAsync();
        using var client = await SharedCluster.ClientAsync();
        await using var ns = await TestNamespace.CreateAsync(client);
        var flaky = new FlakyProvisioner(Unique("flaky") + ".example.com");
        cluster.RegisterProvisioner(flaky);
        var className = Unique("flaky");
        await client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = className }, Provisioner = flaky.Name });
        try
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("c", className), ns);
            await BoundAsync(client, ns, "c");
            var failures = (await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "reason=ProvisioningFailed")).Items;
            Assert.Contains("backend unavailable", Assert.Single(failures).Message);
        }
        finally
        {
            await client.StorageV1.DeleteStorageClassAsync(className);
        }
    }

    private sealed class FlakyProvisioner(string name) : IVolumeProvisioner
    {
        private int calls;

        public string Name => name;

        public Task ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("backend unavailable");
            return new CsiVolumeProvisioner(Name).ProvisionAsync(request, cancellationToken);
        }

        public Task DeleteAsync(DeleteVolumeRequest request, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
