using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Kubernetes.Kustomize;
using Wild.Backup.Testing;
using Xunit;

namespace Wild.Backup.Core.Tests.Kubernetes;

public sealed class KustomizeRendererTests : IDisposable
{
    private readonly SampleWorld _world = new();
    private readonly TempDir _temp = new("wildbackup-kustomize-");

    public void Dispose()
    {
        _world.Dispose();
        _temp.Dispose();
    }

    private string App(string name) => Path.Combine(_world.InstancePath, "apps", name);

    private static JsonObject One(IReadOnlyList<JsonObject> objects, string kind, string? name = null) =>
        Assert.Single(objects, o => o.Kind() == kind && (name is null || o.Name() == name));

    private string Write(string relative, string text)
    {
        var path = _temp.Combine(relative.Split('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Sample_gitea_renders_as_kustomize_does()
    {
        var objects = KustomizeRenderer.Render(App("gitea"));
        Assert.Equal(["Namespace", "Service", "PersistentVolumeClaim", "Deployment", "Ingress", "Job"], objects.Select(o => o.Kind()));

        var ns = One(objects, "Namespace");
        Assert.Equal("gitea", ns.Name());
        Assert.Null(ns.Namespace());
        foreach (var o in objects.Where(o => o.Kind() != "Namespace")) Assert.Equal("gitea", o.Namespace());

        var wildLabels = new Dictionary<string, string> { ["app"] = "gitea", ["managedBy"] = "kustomize", ["partOf"] = "wild-cloud" };
        foreach (var o in objects)
        {
            foreach (var (k, v) in wildLabels) Assert.Equal(v, o.Str("metadata", "labels", k));
        }
        var deployment = One(objects, "Deployment");
        Assert.Equal("web", deployment.Str("spec", "selector", "matchLabels", "component"));
        Assert.Equal("gitea", deployment.Str("spec", "selector", "matchLabels", "app"));
        Assert.Equal("gitea", deployment.Str("spec", "template", "metadata", "labels", "app"));
        Assert.Equal("web", deployment.Str("spec", "template", "metadata", "labels", "component"));
        var service = One(objects, "Service");
        Assert.Equal(new Dictionary<string, string>(wildLabels) { ["component"] = "web" }, service.StringMap("spec", "selector"));
        Assert.Equal(3000, service.Long("spec", "ports", "0") ?? service.Arr("spec", "ports")![0].Long("port"));
        // Jobs get template labels; their generated selector is left alone.
        var job = One(objects, "Job");
        Assert.Equal("gitea", job.Str("spec", "template", "metadata", "labels", "app"));
        Assert.Null(job.At("spec", "selector"));
        Assert.Equal(3, job.Long("spec", "backoffLimit"));
        // Ingress: labels only on the object.
        var ingress = One(objects, "Ingress");
        Assert.Equal("gitea.cloud.example.com", ingress.Arr("spec", "rules")![0].Str("host"));
    }

    [Fact]
    public void Statefulset_claim_templates_get_labels()
    {
        var sts = One(KustomizeRenderer.Render(App("postgres")), "StatefulSet");
        Assert.Equal("postgres", sts.Arr("spec", "volumeClaimTemplates")![0].Str("metadata", "labels", "app"));
        Assert.Equal("postgres", sts.Str("spec", "selector", "matchLabels", "component"));
        Assert.Equal("postgres", sts.Str("spec", "selector", "matchLabels", "app"));
        Assert.Equal("10Gi", sts.Arr("spec", "volumeClaimTemplates")![0].Str("spec", "resources", "requests", "storage"));
    }

    [Fact]
    public void Namespace_field_moves_everything_and_renames_the_namespace_object()
    {
        Write("a/kustomization.yaml", "namespace: gitea-restore\nresources: [ns.yaml, cm.yaml, rb.yaml, pv.yaml]\n");
        Write("a/ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gitea\n");
        Write("a/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: gitea\ndata:\n  k: v\n");
        Write("a/rb.yaml", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: rb}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
            subjects:
            - {kind: ServiceAccount, name: default, namespace: gitea}
            - {kind: ServiceAccount, name: other, namespace: elsewhere}
            """);
        Write("a/pv.yaml", "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv1\nspec:\n  capacity: {storage: 1Gi}\n");
        var objects = KustomizeRenderer.Render(_temp.Combine("a"));
        Assert.Equal("gitea-restore", One(objects, "Namespace").Name());
        Assert.Equal("gitea-restore", One(objects, "ConfigMap").Namespace());
        Assert.Null(One(objects, "PersistentVolume").Namespace());
        var subjects = One(objects, "RoleBinding").Arr("subjects")!;
        Assert.Equal("gitea-restore", subjects[0].Str("namespace"));
        Assert.Equal("elsewhere", subjects[1].Str("namespace"));
    }

    [Fact]
    public void Config_map_generator_matches_kustomize_hash_and_references_follow()
    {
        // kubectl apply -k on this kustomization creates configmap/special-config-2-c92b5mmcf2 (Kubernetes docs).
        Write("g/kustomization.yaml", """
            configMapGenerator:
            - name: special-config-2
              literals:
              - special.how=very
              - special.type=charm
            resources: [deploy.yaml]
            """);
        Write("g/deploy.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: d}
            spec:
              selector: {matchLabels: {x: y}}
              template:
                metadata: {labels: {x: y}}
                spec:
                  containers:
                  - name: c
                    image: busybox
                    envFrom: [{configMapRef: {name: special-config-2}}]
                    env:
                    - name: HOW
                      valueFrom: {configMapKeyRef: {name: special-config-2, key: special.how}}
                  volumes:
                  - name: v
                    configMap: {name: special-config-2}
            """);
        var objects = KustomizeRenderer.Render(_temp.Combine("g"));
        var cm = One(objects, "ConfigMap");
        Assert.Equal("special-config-2-c92b5mmcf2", cm.Name());
        Assert.Equal("very", cm.Str("data", "special.how"));
        var spec = One(objects, "Deployment").Obj("spec", "template", "spec")!;
        Assert.Equal(cm.Name(), spec.Arr("containers")![0]!.Arr("envFrom")![0].Str("configMapRef", "name"));
        Assert.Equal(cm.Name(), spec.Arr("containers")![0]!.Arr("env")![0].Str("valueFrom", "configMapKeyRef", "name"));
        Assert.Equal(cm.Name(), spec.Arr("volumes")![0].Str("configMap", "name"));
    }

    [Fact]
    public void Secret_generator_from_env_and_file_with_options()
    {
        Write("s/kustomization.yaml", """
            generatorOptions:
              labels: {generated: "yes"}
            secretGenerator:
            - name: creds
              envs: [creds.env]
              files: [tls.key=key.pem]
              type: Opaque
            - name: plain
              literals: ["token='quoted'"]
              options: {disableNameSuffixHash: true}
            """);
        Write("s/creds.env", "# comment\n\nUSER=admin\n  PASS=p=w\n");
        Write("s/key.pem", "KEY");
        var objects = KustomizeRenderer.Render(_temp.Combine("s"));
        var creds = Assert.Single(objects, o => o.Name().StartsWith("creds-", StringComparison.Ordinal));
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("admin")), creds.Str("data", "USER"));
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("p=w")), creds.Str("data", "PASS"));
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("KEY")), creds.Str("data", "tls.key"));
        Assert.Equal("yes", creds.Str("metadata", "labels", "generated"));
        Assert.Equal("creds-" + Generators.HashSuffix(new JsonObject
        {
            ["kind"] = "Secret", ["type"] = "Opaque", ["metadata"] = new JsonObject { ["name"] = "creds" }, ["data"] = creds["data"]!.DeepClone(),
        }), creds.Name());
        var plain = One(objects, "Secret", "plain");
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("quoted")), plain.Str("data", "token"));
    }

    [Fact]
    public void Sub_directories_prefix_suffix_images_annotations_replicas()
    {
        Write("p/kustomization.yaml", """
            namePrefix: blue-
            nameSuffix: -x
            commonAnnotations: {owner: ops}
            commonLabels: {tier: web}
            images:
            - {name: nginx, newTag: "1.27"}
            - {name: registry:5000/team/app, newName: mirror/app, digest: "sha256:abc"}
            replicas:
            - {name: web, count: 3}
            resources: [base]
            """);
        Write("p/base/kustomization.yaml", "resources: [web.yaml, svc.yaml, ingress.yaml]\n");
        Write("p/base/web.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {c: w}}
              template:
                metadata: {labels: {c: w}}
                spec:
                  serviceAccountName: runner
                  initContainers: [{name: i, image: "registry:5000/team/app:1.0"}]
                  containers: [{name: n, image: "nginx:1.25"}]
            """);
        Write("p/base/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {c: w}\n  ports: [{port: 80}]\n");
        Write("p/base/ingress.yaml", """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web}
            spec:
              rules:
              - host: a.example.com
                http:
                  paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
            """);
        var objects = KustomizeRenderer.Render(_temp.Combine("p"));
        var d = One(objects, "Deployment", "blue-web-x");
        Assert.Equal(3, d.Long("spec", "replicas"));
        Assert.Equal("nginx:1.27", d.Arr("spec", "template", "spec", "containers")![0].Str("image"));
        Assert.Equal("mirror/app@sha256:abc", d.Arr("spec", "template", "spec", "initContainers")![0].Str("image"));
        Assert.Equal("ops", d.Str("spec", "template", "metadata", "annotations", "owner"));
        Assert.Equal("web", d.Str("spec", "selector", "matchLabels", "tier"));
        Assert.Equal("runner", d.Str("spec", "template", "spec", "serviceAccountName")); // not in this render: unchanged
        var svc = One(objects, "Service", "blue-web-x");
        Assert.Equal("web", svc.Str("spec", "selector", "tier"));
        var ingress = One(objects, "Ingress", "blue-web-x");
        Assert.Equal("blue-web-x", ingress.Arr("spec", "rules")![0].Arr("http", "paths")![0].Str("backend", "service", "name"));
    }

    [Theory]
    [InlineData("patches: []\nresources: []\n", "'patches'")]
    [InlineData("replacements: []\n", "'replacements'")]
    [InlineData("components: [x]\n", "'components'")]
    [InlineData("labels:\n- pairs: {a: b}\n  fields: []\n", "'labels.fields'")]
    [InlineData("configMapGenerator:\n- name: c\n  behavior: merge\n", "'configMapGenerator[c].behavior: merge'")]
    [InlineData("resources: [https://github.com/x/y]\n", "remote resource")]
    [InlineData("kind: Component\n", "'kind: Component'")]
    public void Unsupported_fields_are_refused_by_name(string kustomization, string named)
    {
        Write("u/kustomization.yaml", kustomization);
        var ex = Assert.Throws<InvalidInputException>(() => KustomizeRenderer.Render(_temp.Combine("u")));
        Assert.Equal("KustomizeUnsupported", ex.ErrorId);
        Assert.Contains(named, ex.Message);
        Assert.Contains("u/kustomization.yaml", ex.Message);
    }

    [Fact]
    public void Paths_may_not_leave_the_app_directory()
    {
        Write("outside.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
        Write("r/kustomization.yaml", "resources: [../outside.yaml]\n");
        Assert.Equal("KustomizeOutsideRoot", Assert.Throws<InvalidInputException>(() => KustomizeRenderer.Render(_temp.Combine("r"))).ErrorId);
        Write("l/kustomization.yaml", "resources: [link.yaml]\n");
        File.CreateSymbolicLink(_temp.Combine("l", "link.yaml"), _temp.Combine("outside.yaml"));
        Assert.Equal("KustomizeOutsideRoot", Assert.Throws<InvalidInputException>(() => KustomizeRenderer.Render(_temp.Combine("l"))).ErrorId);
        Write("m/kustomization.yaml", "resources: [missing.yaml]\n");
        Assert.Equal("KustomizeFileMissing", Assert.Throws<NotFoundException>(() => KustomizeRenderer.Render(_temp.Combine("m"))).ErrorId);
    }

    [Fact]
    public void Duplicates_and_cycles_are_errors()
    {
        Write("d/kustomization.yaml", "resources: [a.yaml, b.yaml]\n");
        Write("d/a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\n");
        Write("d/b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\n");
        Assert.Equal("KustomizeDuplicate", Assert.Throws<InvalidInputException>(() => KustomizeRenderer.Render(_temp.Combine("d"))).ErrorId);
        Write("c/kustomization.yaml", "resources: [sub]\n");
        Write("c/sub/kustomization.yaml", "resources: [..]\n");
        Assert.Equal("KustomizeCycle", Assert.Throws<InvalidInputException>(() => KustomizeRenderer.Render(_temp.Combine("c"))).ErrorId);
    }

    [Fact]
    public void Yaml_scalars_resolve_like_the_core_schema()
    {
        var o = YamlObjects.ParseObject("a: 1\nb: '1'\nc: true\nd: yes\ne: 1.5\nf: ~\ng: 0x1F\nh: !!str 2\ni: |\n  text\n", "t");
        Assert.Equal(1, o.Long("a"));
        Assert.Equal("1", o.Str("b"));
        Assert.True(o.Bool("c"));
        Assert.Equal("yes", o.Str("d"));
        Assert.Equal(1.5, o["e"]!.GetValue<double>());
        Assert.True(o.ContainsKey("f") && o["f"] is null);
        Assert.Equal(31, o.Long("g"));
        Assert.Equal("2", o.Str("h"));
        Assert.Equal("text\n", o.Str("i"));
        var ex = Assert.Throws<InvalidInputException>(() => YamlObjects.ParseObject("a: [\nsecret-value", "secret.yaml"));
        Assert.DoesNotContain("secret-value", ex.Message);
    }
}
