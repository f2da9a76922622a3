using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Tests.Longhorn.Support;
using Wild.Backup.Simulator.Tests.Support;
using static Wild.Backup.Simulator.Tests.Longhorn.Support.LonghornCluster;

namespace Wild.Backup.Simulator.Tests.Longhorn.Cluster;

/// <summary>driver.longhorn.io provisioning, the Volume and Engine objects, attachment, settings — through KubernetesClient.</summary>
public sealed class ProvisioningTests(LonghornCluster lh) : IClassFixture<LonghornCluster>
{
    [Fact]
    public async Task A_longhorn_claim_gets_a_longhorn_volume_and_a_csi_pv_named_like_the_csi_driver_does()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volumeName = await lh.CreateClaimAsync(ns, "data", "100Mi");
        var pvc = await lh.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns);
        var pv = await lh.Client.CoreV1.ReadPersistentVolumeAsync(pvc.Spec.VolumeName);

        Assert.Equal($"pvc-{pvc.Metadata.Uid}", pv.Metadata.Name);
        Assert.Equal("driver.longhorn.io", pv.Spec.Csi.Driver);
        Assert.Equal(pv.Metadata.Name, pv.Spec.Csi.VolumeHandle);
        Assert.Equal(pv.Metadata.Name, volumeName);
        Assert.Equal("ext4", pv.Spec.Csi.FsType);
        Assert.Equal("driver.longhorn.io", pv.Metadata.Annotations["pv.kubernetes.io/provisioned-by"]);
        Assert.Equal("3", pv.Spec.Csi.VolumeAttributes["numberOfReplicas"]);

        var volume = await lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, volumeName);
        Assert.Equal("104857600", volume.Spec.Size);
        Assert.Equal(3, volume.Spec.NumberOfReplicas);
        Assert.Equal("lz4", volume.Spec.BackupCompressionMethod);       // from the backup-compression-method setting
        Assert.Null(volume.Spec.BackupBlockSize);                         // a v1.10 field: Longhorn 1.8 has none
        Assert.Equal("default", volume.Spec.BackupTargetName);
        Assert.Equal(("rwo", "v1", "blockdev"), (volume.Spec.AccessMode, volume.Spec.DataEngine, volume.Spec.Frontend));
        Assert.Equal("default", volume.Metadata.Labels["backup-target"]);
        Assert.Contains("longhorn.io", volume.Metadata.Finalizers);
        Assert.Equal(("detached", "unknown"), (volume.Status!.State, volume.Status.Robustness));
        Assert.False(volume.Status.RestoreRequired);
        Assert.Equal((pv.Metadata.Name, "data", ns.Name), (volume.Status.KubernetesStatus!.PvName, volume.Status.KubernetesStatus.PvcName, volume.Status.KubernetesStatus.Namespace));

        var engine = await lh.Engines.ReadNamespacedAsync<LhEngine>(Ns, volumeName + "-e-0");
        Assert.Equal(volumeName, engine.Spec.VolumeName);
        Assert.Equal(volumeName, engine.Metadata.Labels["longhornvolume"]);
        Assert.Equal("stopped", engine.Status!.CurrentState);
        Assert.True(File.Exists(lh.Longhorn.GetVolumeDataPath(volumeName)));
        Assert.Equal(104857600, new FileInfo(lh.Longhorn.GetVolumeDataPath(volumeName)).Length);
    }

    [Fact]
    public async Task A_running_pod_attaches_the_volume_and_its_deletion_detaches_it()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volumeName = await lh.CreateClaimAsync(ns, "db");
        await lh.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "postgres" },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "pg", Image = "postgres:16" }],
                Volumes = [new V1Volume { Name = "data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "db" } }],
            },
        }, ns);

        var attached = await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, volumeName), v => v.Status?.State == "attached", "attached", Wait);
        var pod = await lh.Client.CoreV1.ReadNamespacedPodAsync("postgres", ns);
        Assert.Equal("healthy", attached.Status!.Robustness);
        Assert.Equal(pod.Spec.NodeName, attached.Status.CurrentNodeId);
        var workload = Assert.Single(attached.Status.KubernetesStatus!.WorkloadsStatus);
        Assert.Equal(("postgres", "Running"), (workload.PodName, workload.PodStatus));
        await Eventually.WaitAsync(() => lh.Engines.ReadNamespacedAsync<LhEngine>(Ns, volumeName + "-e-0"), e => e.Status?.CurrentState == "running", "engine running", Wait);

        await lh.Client.CoreV1.DeleteNamespacedPodAsync("postgres", ns);
        var detached = await Eventually.WaitAsync(() => lh.Volumes.ReadNamespacedAsync<LhVolume>(Ns, volumeName), v => v.Status?.State == "detached", "detached", Wait);
        Assert.Equal(("unknown", ""), (detached.Status!.Robustness, detached.Status.CurrentNodeId));
    }

    [Fact]
    public async Task Deleting_the_claim_deletes_the_volume_its_data_and_its_engine()
    {
        await using var ns = await TestNamespace.CreateAsync(lh.Client);
        var volumeName = await lh.CreateClaimAsync(ns, "scratch");
        var path = lh.Longhorn.GetVolumeDataPath(volumeName);
        await lh.Longhorn.WriteAsync(ns, "scratch", 0, new byte[] { 42 }, default);

        await lh.Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("scratch", ns);
        await Eventually.WaitAsync(async () => (await lh.Volumes.ListNamespacedAsync<LonghornList<LhVolume>>(Ns)).Items.All(v => v.Metadata.Name != volumeName), "volume deleted", Wait);
        await Eventually.WaitAsync(async () => (await lh.Engines.ListNamespacedAsync<LonghornList<LhEngine>>(Ns)).Items.All(e => e.Spec.VolumeName != volumeName), "engine collected", Wait);
        Assert.False(File.Exists(path));
        await Eventually.WaitAsync(async () => (await lh.Client.CoreV1.ListPersistentVolumeAsync()).Items.All(p => p.Spec.Csi?.VolumeHandle != volumeName), "pv deleted", Wait);
    }

    [Fact]
    public async Task Settings_exist_are_applied_and_feed_new_volumes_and_bad_values_are_refused_as_longhorn_does()
    {
        var settings = await lh.Settings.ListNamespacedAsync<LonghornList<LhSetting>>(Ns);
        var byName = settings.Items.ToDictionary(s => s.Metadata.Name);
        Assert.Equal("lz4", byName["backup-compression-method"].Value);
        Assert.Equal("2", byName["backup-concurrent-limit"].Value);
        Assert.Equal("3", byName["default-replica-count"].Value);
        await Eventually.WaitAsync(async () => (await lh.Settings.ListNamespacedAsync<LonghornList<LhSetting>>(Ns)).Items.All(s => s.Status?.Applied == true), "applied", Wait);

        var bad = byName["backup-compression-method"];
        bad.Value = "zstd";
        var refused = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => lh.Settings.ReplaceNamespacedAsync(bad, Ns, bad.Metadata.Name));
        Assert.Equal("admission webhook \"validator.longhorn.io\" denied the request: failed to validate setting backup-compression-method with invalid value zstd: value zstd is not a valid choice, available choices [none lz4 gzip]", refused.Message);
        Assert.Equal("Invalid", refused.Reason);

        // Volumes created while the setting says gzip back up with gzip; the setting goes back afterwards (other tests share the cluster).
        await lh.Settings.PatchNamespacedAsync<LhSetting>(new V1Patch("""{"value":"gzip"}""", V1Patch.PatchType.MergePatch), Ns, "backup-compression-method");
        try
        {
            var volume = await lh.Volumes.CreateNamespacedAsync(new LhVolume { Metadata = new V1ObjectMeta { Name = Unique("vol") }, Spec = new LhVolume.SpecT { Size = "3Mi" } }, Ns);
            Assert.Equal("gzip", volume.Spec.BackupCompressionMethod);
            Assert.Equal("4194304", volume.Spec.Size); // rounded up to 2 MiB
            await lh.Volumes.DeleteNamespacedAsync<LhVolume>(Ns, volume.Metadata.Name);
        }
        finally
        {
            await lh.Settings.PatchNamespacedAsync<LhSetting>(new V1Patch("""{"value":"lz4"}""", V1Patch.PatchType.MergePatch), Ns, "backup-compression-method");
        }
    }

    [Fact]
    public async Task The_longhorn_kinds_are_served_namespaced_with_status_subresources_and_kubectl_short_names()
    {
        using var raw = new RawApi(lh.Cluster);
        var resources = (await raw.GetAsync("/apis/longhorn.io/v1beta2")).Json["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToHashSet();
        foreach (var plural in new[] { "volumes", "snapshots", "backups", "backupvolumes", "backuptargets", "settings", "engines" })
        {
            Assert.Contains(plural, resources);
            Assert.Contains(plural + "/status", resources);
        }
        var target = await lh.BackupTargets.ReadNamespacedAsync<LhBackupTarget>(Ns, "default");
        Assert.Equal(lh.Longhorn.BackupTargetUrl, target.Spec.BackupTargetUrl);
        Assert.Equal("2s", target.Spec.PollInterval);
    }
}
