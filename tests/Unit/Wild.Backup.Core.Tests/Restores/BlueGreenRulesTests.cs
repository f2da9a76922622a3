using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Restores;
using Xunit;

namespace Wild.Backup.Core.Tests.Restores;

/// <summary>The rules of the blue-green restore that need no cluster: verification hosts, the app's Secret, readiness.</summary>
public sealed class BlueGreenRulesTests
{
    [Theory]
    [InlineData("gitea.cloud.example.com", "gitea-restore.cloud.example.com")]
    [InlineData("photos.internal.cloud.example.com", "photos-restore.internal.cloud.example.com")]
    [InlineData("localhost", "localhost-restore")]
    public void Verification_hosts_add_restore_to_the_first_label(string live, string verification) =>
        Assert.Equal(verification, IngressHosts.VerificationHost(live));

    [Fact]
    public void A_long_first_label_is_cut_to_stay_a_valid_label()
    {
        var label = new string('a', 60);
        var host = IngressHosts.VerificationHost(label + ".example.com");
        Assert.Equal(63, host.IndexOf('.'));
        Assert.EndsWith("-restore.example.com", host);
    }

    [Fact]
    public void Ingresses_routes_and_external_dns_names_are_renamed_and_wildcards_reported()
    {
        var objects = new List<JsonObject>
        {
            YamlObjects.ParseObject("""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: web
                  namespace: app-restore
                  annotations:
                    external-dns.alpha.kubernetes.io/hostname: "a.example.com, b.example.com"
                    external-dns.alpha.kubernetes.io/target: example.com
                spec:
                  tls: [{hosts: [a.example.com], secretName: wildcard-tls}]
                  rules:
                  - host: a.example.com
                  - host: "*.example.com"
                  - http: {paths: []}
                """, "ingress.yaml"),
            YamlObjects.ParseObject("""
                apiVersion: traefik.io/v1alpha1
                kind: IngressRoute
                metadata: {name: route, namespace: app-restore}
                spec:
                  routes:
                  - match: Host(`c.example.com`) && PathPrefix(`/api`) || Host(`d.example.com`, `e.example.com`)
                """, "route.yaml"),
            YamlObjects.ParseObject("apiVersion: v1\nkind: Service\nmetadata: {name: a.example.com}\n", "svc.yaml"),
        };
        var warnings = new List<string>();
        var hosts = IngressHosts.Rewrite(objects, warnings.Add);

        var ingress = objects[0];
        Assert.Equal("a-restore.example.com", ingress.Arr("spec", "rules")![0].Str("host"));
        Assert.Equal("*.example.com", ingress.Arr("spec", "rules")![1].Str("host"));
        Assert.Equal("a-restore.example.com", ingress.Arr("spec", "tls")![0]!.Arr("hosts")![0]!.GetValue<string>());
        Assert.Equal("a-restore.example.com,b-restore.example.com", ingress.Str("metadata", "annotations", "external-dns.alpha.kubernetes.io/hostname"));
        Assert.Equal("example.com", ingress.Str("metadata", "annotations", "external-dns.alpha.kubernetes.io/target"));
        Assert.Equal("Host(`c-restore.example.com`) && PathPrefix(`/api`) || Host(`d-restore.example.com`, `e-restore.example.com`)",
            objects[1].Arr("spec", "routes")![0].Str("match"));
        Assert.Equal("a.example.com", objects[2].Name());
        Assert.Equal(["a.example.com", "b.example.com", "c.example.com", "d.example.com", "e.example.com"], hosts.Select(h => h.LiveHost).Distinct().Order());
        Assert.Equal(2, warnings.Count); // the wildcard and the host-less rule
        Assert.Contains(warnings, w => w.Contains("*.example.com"));
        Assert.Contains(warnings, w => w.Contains("without a host"));
    }

    [Fact]
    public void The_app_secret_takes_default_and_required_secrets_from_secrets_yaml()
    {
        var secrets = YamlObjects.ParseObject("""
            apps:
              gitea: {adminPassword: s3cret, dbPassword: "p4ss", port: 3000}
              postgres: {password: pg}
            """, "secrets.yaml");
        var manifest = YamlObjects.ParseObject("""
            name: gitea
            defaultSecrets:
            - key: adminPassword
            - port
            requiredSecrets: [postgres.password, apps.gitea.dbPassword, postgres.missing]
            """, "manifest.yaml");
        var warnings = new List<string>();
        var secret = AppSecrets.BuildAppSecret("gitea", "gitea-restore", manifest, secrets, warnings.Add)!;
        Assert.Equal("gitea-secrets", secret.Name());
        Assert.Equal("gitea-restore", secret.Namespace());
        string Value(string key) => Encoding.UTF8.GetString(Convert.FromBase64String(secret.Str("data", key)!));
        Assert.Equal("s3cret", Value("adminPassword"));
        Assert.Equal("3000", Value("port"));
        Assert.Equal("pg", Value("postgres.password"));
        Assert.Equal("p4ss", Value("apps.gitea.dbPassword"));
        Assert.Null(secret.Str("data", "postgres.missing"));
        var warning = Assert.Single(warnings);
        Assert.Contains("postgres.missing", warning);
        Assert.DoesNotContain("pg", warning.Replace("postgres", ""));
        Assert.Null(AppSecrets.BuildAppSecret("gitea", "ns", YamlObjects.ParseObject("name: gitea", "m"), secrets, _ => { }));
    }

    [Theory]
    [InlineData("""{"kind":"Deployment","metadata":{"name":"d","generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"availableReplicas":2,"readyReplicas":2}}""", HealthState.Ready)]
    [InlineData("""{"kind":"Deployment","metadata":{"name":"d","generation":3},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"availableReplicas":2,"readyReplicas":2}}""", HealthState.InProgress)]
    [InlineData("""{"kind":"Deployment","metadata":{"name":"d","generation":1},"status":{"observedGeneration":1,"replicas":2,"updatedReplicas":1,"availableReplicas":1,"readyReplicas":1}}""", HealthState.InProgress)]
    [InlineData("""{"kind":"Deployment","metadata":{"name":"d"},"status":{"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}}""", HealthState.Failed)]
    [InlineData("""{"kind":"StatefulSet","metadata":{"name":"s","generation":1},"spec":{"replicas":1},"status":{"observedGeneration":1,"readyReplicas":1,"updatedReplicas":1,"currentRevision":"a","updateRevision":"b"}}""", HealthState.InProgress)]
    [InlineData("""{"kind":"StatefulSet","metadata":{"name":"s","generation":1},"spec":{"replicas":1},"status":{"observedGeneration":1,"readyReplicas":1,"updatedReplicas":1,"currentRevision":"b","updateRevision":"b"}}""", HealthState.Ready)]
    [InlineData("""{"kind":"Job","metadata":{"name":"j"},"status":{"conditions":[{"type":"Complete","status":"True"}]}}""", HealthState.Ready)]
    [InlineData("""{"kind":"Job","metadata":{"name":"j"},"status":{"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}""", HealthState.Failed)]
    [InlineData("""{"kind":"PersistentVolumeClaim","metadata":{"name":"c"},"status":{"phase":"Pending"}}""", HealthState.InProgress)]
    [InlineData("""{"kind":"PersistentVolumeClaim","metadata":{"name":"c"},"status":{"phase":"Lost"}}""", HealthState.Failed)]
    [InlineData("""{"kind":"DaemonSet","metadata":{"name":"ds"},"status":{"desiredNumberScheduled":3,"numberAvailable":2,"updatedNumberScheduled":3}}""", HealthState.InProgress)]
    [InlineData("""{"kind":"ConfigMap","metadata":{"name":"cm"}}""", HealthState.Ready)]
    public void Readiness_follows_kstatus(string json, HealthState expected) =>
        Assert.Equal(expected, Readiness.Check(JsonNode.Parse(json)!.AsObject()).State);

    [Fact]
    public void A_pod_that_is_not_ready_says_why()
    {
        var pod = JsonNode.Parse("""{"kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running","containerStatuses":[{"name":"web","ready":false,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}""")!.AsObject();
        Assert.Equal("container web: CrashLoopBackOff", Readiness.Check(pod).Status);
    }
}
