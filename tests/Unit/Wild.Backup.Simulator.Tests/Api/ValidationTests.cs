using System.Net;
using k8s;
using k8s.Models;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Tests.Support;

namespace Wild.Backup.Simulator.Tests.Api;

/// <summary>The validation errors users hit: required fields, selectors, immutable fields.</summary>
public sealed class ValidationTests : IAsyncLifetime
{
    private SimulatedCluster cluster = null!;
    private Kubernetes client = null!;

    public async Task InitializeAsync()
    {
        // No controllers: objects stay exactly as written (no binding, no pods).
        cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { RunControllers = false });
        client = Clients.FromKubeconfigFile(cluster);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await cluster.DisposeAsync();
    }

    private static V1PersistentVolumeClaim Claim(string name, string size = "1Gi") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
    };

    [Fact]
    public async Task Pvc_spec_is_immutable_and_gets_the_default_class_and_protection_finalizer()
    {
        var pvc = await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("data"), "default");
        Assert.Equal("longhorn", pvc.Spec.StorageClassName);
        Assert.Equal("Filesystem", pvc.Spec.VolumeMode);
        Assert.Equal("Pending", pvc.Status.Phase);
        Assert.Contains("kubernetes.io/pvc-protection", pvc.Metadata.Finalizers);

        pvc.Spec.AccessModes = ["ReadWriteMany"];
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(pvc, "data", "default"));
        Assert.Contains("spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims", status.Message);

        // Growing an unbound claim is refused too; shrinking is always refused.
        var fresh = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", "default");
        fresh.Spec.Resources.Requests["storage"] = new ResourceQuantity("2Gi");
        status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(fresh, "data", "default"));
        Assert.Contains("only dynamically provisioned pvc can be resized", status.Message);
        fresh.Spec.Resources.Requests["storage"] = new ResourceQuantity("500Mi");
        status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedPersistentVolumeClaimAsync(fresh, "data", "default"));
        Assert.Contains("field can not be less than previous value", status.Message);
    }

    [Fact]
    public async Task Pvc_requires_access_modes_and_size()
    {
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
            new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "empty" }, Spec = new V1PersistentVolumeClaimSpec() }, "default"));
        Assert.Contains("spec.accessModes: Required value: at least 1 access mode is required", status.Message);
        Assert.Contains("spec.resources[storage]: Required value", status.Message);
        Assert.Equal(2, status.Details.Causes.Count);
    }

    [Fact]
    public async Task Service_cluster_ip_is_allocated_kept_when_omitted_and_immutable()
    {
        var svc = await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80 }] },
        }, "default");
        Assert.Matches(@"^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$", svc.Spec.ClusterIP);
        Assert.Equal([svc.Spec.ClusterIP], svc.Spec.ClusterIPs);
        Assert.Equal("80", svc.Spec.Ports[0].TargetPort.Value);
        Assert.Equal("TCP", svc.Spec.Ports[0].Protocol);

        var replacement = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web2" }, Ports = [new V1ServicePort { Port = 80 }] },
        };
        var kept = await client.CoreV1.ReplaceNamespacedServiceAsync(replacement, "web", "default");
        Assert.Equal(svc.Spec.ClusterIP, kept.Spec.ClusterIP);

        kept.Spec.ClusterIP = "10.96.200.200";
        kept.Spec.ClusterIPs = null;
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedServiceAsync(kept, "web", "default"));
        Assert.Contains("spec.clusterIP: Invalid value: \"10.96.200.200\": field is immutable", status.Message);

        var taken = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "dup" },
            Spec = new V1ServiceSpec { ClusterIP = svc.Spec.ClusterIP, Ports = [new V1ServicePort { Port = 80 }] },
        }, "default"));
        Assert.Contains("provided IP is already allocated", taken.Message);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service { Metadata = new V1ObjectMeta { Name = "noports" }, Spec = new V1ServiceSpec() }, "default"));
    }

    [Fact]
    public async Task Workload_selector_must_match_template_and_is_immutable()
    {
        var bad = Pods.Deployment("web", 1);
        bad.Spec.Template.Metadata.Labels = new Dictionary<string, string> { ["app"] = "other" };
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.AppsV1.CreateNamespacedDeploymentAsync(bad, "default"));
        Assert.Contains("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`", status.Message);

        var noSelector = Pods.Deployment("web", 1);
        noSelector.Spec.Selector = null;
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.AppsV1.CreateNamespacedDeploymentAsync(noSelector, "default"));

        var d = await client.AppsV1.CreateNamespacedDeploymentAsync(Pods.Deployment("web", 1), "default");
        Assert.Equal("RollingUpdate", d.Spec.Strategy.Type);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, d.Spec.RevisionHistoryLimit);
        d.Spec.Selector.MatchLabels["tier"] = "x";
        d.Spec.Template.Metadata.Labels["tier"] = "x";
        status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.AppsV1.ReplaceNamespacedDeploymentAsync(d, "web", "default"));
        Assert.Contains("spec.selector: Invalid value", status.Message);
        Assert.Contains("field is immutable", status.Message);
    }

    [Fact]
    public async Task Statefulset_spec_fields_other_than_template_and_replicas_are_forbidden_to_change()
    {
        var labels = new Dictionary<string, string> { ["app"] = "db" };
        var sts = await client.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec { ServiceName = "db", Selector = new V1LabelSelector { MatchLabels = labels }, Template = Pods.Template(labels) },
        }, "default");
        sts.Spec.ServiceName = "other";
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.AppsV1.ReplaceNamespacedStatefulSetAsync(sts, "db", "default"));
        Assert.Contains("updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden", status.Message);
    }

    [Fact]
    public async Task Job_gets_a_generated_selector_needs_a_restart_policy_and_its_template_is_immutable()
    {
        var noRestart = Jobs.Sleep("nr");
        noRestart.Spec.Template.Spec.RestartPolicy = null;
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.BatchV1.CreateNamespacedJobAsync(noRestart, "default"));
        Assert.Contains("spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"", status.Message);

        var job = await client.BatchV1.CreateNamespacedJobAsync(Jobs.Sleep("init"), "default");
        Assert.Equal(job.Metadata.Uid, job.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal("init", job.Spec.Template.Metadata.Labels["job-name"]);
        Assert.Equal(6, job.Spec.BackoffLimit);
        job.Spec.Template.Spec.Containers[0].Image = "postgres:16";
        status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.BatchV1.ReplaceNamespacedJobAsync(job, "init", "default"));
        Assert.Contains("spec.template: Invalid value", status.Message);
    }

    [Fact]
    public async Task Immutable_config_maps_and_secrets_refuse_changes()
    {
        var cm = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "frozen" },
            Immutable = true,
            Data = new Dictionary<string, string> { ["a"] = "1" },
        }, "default");
        cm.Data["a"] = "2";
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "frozen", "default"));
        Assert.Contains("data: Forbidden: field is immutable when `immutable` is set", status.Message);
        cm.Data["a"] = "1";
        cm.Metadata.Labels = new Dictionary<string, string> { ["metadata"] = "still-changes" };
        await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "frozen", "default");

        var secret = await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "s" }, Immutable = true, StringData = new Dictionary<string, string> { ["k"] = "v" } }, "default");
        secret.Immutable = false;
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedSecretAsync(secret, "s", "default"));
        var tls = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret { Metadata = new V1ObjectMeta { Name = "tls" }, Type = "kubernetes.io/tls" }, "default"));
        Assert.Contains("data[tls.crt]: Required value", tls.Message);
    }

    [Fact]
    public async Task Pod_spec_changes_other_than_image_are_forbidden()
    {
        var pod = await client.CoreV1.CreateNamespacedPodAsync(Pods.Simple("p"), "default");
        Assert.Equal("default", pod.Spec.ServiceAccountName);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("BestEffort", pod.Status.QosClass);
        Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/not-ready" && t.TolerationSeconds == 300);
        pod.Spec.Containers[0].Image = "nginx:1.28";
        pod = await client.CoreV1.ReplaceNamespacedPodAsync(pod, "p", "default");
        pod.Spec.Containers[0].Args = ["--debug"];
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplaceNamespacedPodAsync(pod, "p", "default"));
        Assert.Contains("spec: Forbidden: pod updates may not change fields other than", status.Message);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreateNamespacedPodAsync(
            new V1Pod { Metadata = new V1ObjectMeta { Name = "noimage" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c" }] } }, "default"));
    }

    [Fact]
    public async Task Persistent_volume_source_is_immutable()
    {
        var name = "pv-immutable";
        var pv = await client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                AccessModes = ["ReadWriteOnce"],
                HostPath = new V1HostPathVolumeSource { Path = "/data/a" },
            },
        });
        Assert.Equal("Retain", pv.Spec.PersistentVolumeReclaimPolicy);
        pv.Spec.HostPath.Path = "/data/b";
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.ReplacePersistentVolumeAsync(pv, name));
        Assert.Contains("spec.persistentvolumesource is immutable after creation", status.Message);
        await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.CoreV1.CreatePersistentVolumeAsync(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "nosource" },
            Spec = new V1PersistentVolumeSpec { Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") }, AccessModes = ["ReadWriteOnce"] },
        }));
    }

    [Fact]
    public async Task Ingress_paths_need_a_path_type()
    {
        var ingress = new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1IngressSpec
            {
                Rules =
                [
                    new V1IngressRule
                    {
                        Host = "gitea.cloud.example.com",
                        Http = new V1HTTPIngressRuleValue { Paths = [new V1HTTPIngressPath { Path = "/", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "gitea", Port = new V1ServiceBackendPort { Number = 3000 } } } }] },
                    },
                ],
            },
        };
        var status = await ApiAssert.FailsAsync(HttpStatusCode.UnprocessableEntity, () => client.NetworkingV1.CreateNamespacedIngressAsync(ingress, "default"));
        Assert.Contains("spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified", status.Message);
        ingress.Spec.Rules[0].Http.Paths[0].PathType = "Prefix";
        var created = await client.NetworkingV1.CreateNamespacedIngressAsync(ingress, "default");
        Assert.Equal(1, created.Metadata.Generation);
    }
}
