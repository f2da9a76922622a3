using System.Security.Cryptography;
using System.Text;

namespace Wild.Backup.Core.Samples;

/// <summary>
/// Writes a realistic Wild Cloud instance directory (the layout in ../shared/notes/wild-cloud.md): config.yaml and
/// secrets.yaml with comments and mixed block/flow styles, kubeconfig, <c>talos/generated/</c> (talosconfig, the Talos
/// PKI, base machine configs), <c>setup/cluster-nodes/</c>, cluster services (templates and compiled trees), and apps as compiled kustomize directories (postgres, redis,
/// gitea requiring postgres, immich requiring both) with nested directories and a binary file. Used by the README's
/// default run, the tests and the benchmarks. Secret values are random (or seeded) so tests can prove none leaks.
/// </summary>
public static class SampleInstance
{
    public const string DefaultName = "demo-cloud";

    /// <summary>The apps of the sample, with what each requires.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Apps = new Dictionary<string, string[]>
    {
        ["postgres"] = [],
        ["redis"] = [],
        ["gitea"] = ["postgres"],
        ["immich"] = ["postgres", "redis"],
    };

    /// <summary>Writes the sample under <c>{dataDir}/instances/{name}/</c> and returns the instance directory.
    /// Returns the secret values written, so callers can check they never appear in output.</summary>
    public static (string Path, IReadOnlyList<string> Secrets) Write(string dataDir, string name = DefaultName, int? seed = null)
    {
        var rng = seed is { } s ? new Random(s) : new Random(RandomNumberGenerator.GetInt32(int.MaxValue));
        var root = Path.Combine(dataDir, "instances", name);
        Directory.CreateDirectory(root);
        var secrets = new List<string>();
        string Secret(int len = 24)
        {
            const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            var v = new string(Enumerable.Range(0, len).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray());
            secrets.Add(v);
            return v;
        }

        File.WriteAllText(Path.Combine(root, "config.yaml"), $"""
            # Wild Cloud instance configuration ({name})
            # Managed by wild-central; edit with `wild config set`.
            operator:
              email: ops@example.com
            cloud:
              domain: cloud.example.com
              internalDomain: internal.cloud.example.com
              # The NAS: media share and backups
              nfs:
                host: 192.168.8.10
                mediaPath: /data/media
                storageCapacity: 1Ti
            cluster:
              name: {name}-cluster
              nodes:
                talos: {"{"}version: v1.10.4{"}"}
                control:
                  vip: 192.168.8.20  # API server VIP
            # Apps deployed on this instance
            apps:
              # shared database for gitea and immich
              postgres:
                image: pgvector/pgvector:pg15
                storage: 10Gi
              redis: {"{"}image: "redis:7.2", storage: 1Gi{"}"}
              gitea:
                domain: gitea.cloud.example.com
                storage: 10Gi
                dbHost: postgres.postgres.svc.cluster.local
                dbName: gitea  # created by the db-init job
              immich:
                domain: photos.cloud.example.com
                storage: 100Gi
                dbHost: postgres.postgres.svc.cluster.local
                redisHost: redis.redis.svc.cluster.local

            """);

        WriteSecret(Path.Combine(root, "secrets.yaml"), $"""
            # Secrets for {name}. Mode 0600; never commit.
            cluster:
              talos:
                secretboxKey: {Secret(44)}
              certManager: {"{"}cloudflareApiToken: {Secret(40)}{"}"}
            apps:
              postgres:
                password: {Secret()}  # superuser
              gitea:
                adminPassword: {Secret()}
                dbPassword: {Secret()}
              immich:
                dbPassword: {Secret()}

            """);

        WriteSecret(Path.Combine(root, "kubeconfig"), $"""
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                certificate-authority-data: {Base64(rng, 600)}
                server: https://192.168.8.20:6443
              name: {name}-cluster
            contexts:
            - context:
                cluster: {name}-cluster
                namespace: default
                user: admin@{name}-cluster
              name: admin@{name}-cluster
            current-context: admin@{name}-cluster
            users:
            - name: admin@{name}-cluster
              user:
                client-certificate-data: {Base64(rng, 700)}
                client-key-data: {Track(Base64(rng, 300), secrets)}

            """);

        // talos/generated/ as Wild Cloud's daemon writes it (`talosctl gen secrets` + `gen config --with-secrets`): the
        // talosconfig, the cluster PKI and the base machine configs. Key names from siderolabs/talos
        // pkg/machinery/config/generate/secrets/bundle.go (cluster, secrets, trustdinfo, certs).
        var talos = Path.Combine(root, "talos", "generated");
        Directory.CreateDirectory(talos);
        var clusterCaKey = Track(Base64(rng, 120), secrets);
        var osCaKey = Track(Base64(rng, 120), secrets);
        var bootstrapToken = Track($"{Lower(rng, 6)}.{Lower(rng, 16)}", secrets);
        var trustdToken = Track($"{Lower(rng, 6)}.{Lower(rng, 16)}", secrets);
        WriteSecret(Path.Combine(talos, "talosconfig"), $"""
            context: {name}
            contexts:
              {name}:
                endpoints:
                - 192.168.8.21
                - 192.168.8.22
                - 192.168.8.23
                nodes:
                - 192.168.8.21
                ca: {Base64(rng, 400)}
                crt: {Base64(rng, 400)}
                key: {Track(Base64(rng, 160), secrets)}

            """);
        WriteSecret(Path.Combine(talos, "secrets.yaml"), $"""
            cluster:
                id: {Base64(rng, 32)}
                secret: {Track(Base64(rng, 32), secrets)}
            secrets:
                bootstraptoken: {bootstrapToken}
                secretboxencryptionsecret: {Track(Base64(rng, 32), secrets)}
            trustdinfo:
                token: {trustdToken}
            certs:
                etcd:
                    crt: {Base64(rng, 300)}
                    key: {Track(Base64(rng, 120), secrets)}
                k8s:
                    crt: {Base64(rng, 300)}
                    key: {clusterCaKey}
                k8saggregator:
                    crt: {Base64(rng, 300)}
                    key: {Track(Base64(rng, 120), secrets)}
                k8sserviceaccount:
                    key: {Track(Base64(rng, 120), secrets)}
                os:
                    crt: {Base64(rng, 300)}
                    key: {osCaKey}

            """);
        foreach (var role in new[] { "controlplane", "worker" })
        {
            WriteSecret(Path.Combine(talos, role + ".yaml"), MachineConfig(name, role, null, bootstrapToken, trustdToken, clusterCaKey, osCaKey));
        }

        // setup/cluster-nodes/: per-node patches (from patch.templates/) and the final machine config applied to each node.
        var nodes = Path.Combine(root, "setup", "cluster-nodes");
        Directory.CreateDirectory(Path.Combine(nodes, "patch.templates"));
        File.WriteAllText(Path.Combine(nodes, "patch.templates", "controlplane.yaml"), """
            machine:
              install:
                disk: {{ .disk }}
              network:
                hostname: {{ .hostname }}
                interfaces:
                - interface: {{ .interface }}
                  dhcp: true
                  vip:
                    ip: {{ .cluster.nodes.control.vip }}

            """);
        foreach (var (host, ip) in new[] { ("wild-cp-1", "192.168.8.21"), ("wild-cp-2", "192.168.8.22"), ("wild-cp-3", "192.168.8.23") })
        {
            var patch = $"""
                machine:
                  install:
                    disk: /dev/sda
                  network:
                    hostname: {host}
                    interfaces:
                    - interface: eth0
                      dhcp: true
                      vip:
                        ip: 192.168.8.20

                """;
            WriteSecret(Path.Combine(nodes, "patch", host + ".yaml"), patch);
            WriteSecret(Path.Combine(nodes, "final", host + ".yaml"), MachineConfig(name, "controlplane", (host, ip), bootstrapToken, trustdToken, clusterCaKey, osCaKey));
        }

        foreach (var service in new[] { "traefik", "metallb", "longhorn", "cert-manager", "coredns", "nfs" })
        {
            WriteClusterService(Path.Combine(root, "setup", "cluster-services", service), service);
        }

        foreach (var (app, requires) in Apps) WriteApp(Path.Combine(root, "apps", app), app, requires, rng);
        Directory.CreateDirectory(Path.Combine(root, "operations"));
        return (root, secrets);
    }

    /// <summary>A generated instance with <paramref name="appCount"/> apps (for benchmarks): the sample's cluster part,
    /// and apps <c>app-001…</c> each with a handful of manifests, a nested directory and its config/secrets sections.</summary>
    public static string WriteGenerated(string dataDir, string name, int appCount, int seed = 1)
    {
        var (root, _) = Write(dataDir, name, seed);
        var rng = new Random(seed);
        var config = new StringBuilder(File.ReadAllText(Path.Combine(root, "config.yaml")));
        var secrets = new StringBuilder(File.ReadAllText(Path.Combine(root, "secrets.yaml")));
        for (var i = 1; i <= appCount; i++)
        {
            var app = $"app-{i:000}";
            WriteApp(Path.Combine(root, "apps", app), app, i % 3 == 0 ? ["postgres"] : [], rng);
            config.Append($"  {app}:\n    domain: {app}.cloud.example.com\n    storage: {i % 50 + 1}Gi\n");
            secrets.Append($"  {app}:\n    dbPassword: {Base64(rng, 18)}\n");
        }
        File.WriteAllText(Path.Combine(root, "config.yaml"), config.ToString());
        WriteSecret(Path.Combine(root, "secrets.yaml"), secrets.ToString());
        return root;
    }

    private static string Track(string value, List<string> secrets)
    {
        secrets.Add(value);
        return value;
    }

    private static string Lower(Random rng, int length) =>
        new(Enumerable.Range(0, length).Select(_ => "abcdefghijklmnopqrstuvwxyz0123456789"[rng.Next(36)]).ToArray());

    /// <summary>A Talos machine config (v1alpha1) carrying the cluster's tokens and CA keys, as `talosctl gen config`
    /// writes them (trimmed to the fields that matter here); with <paramref name="node"/>, a node's final config.</summary>
    private static string MachineConfig(string name, string role, (string Host, string Ip)? node, string bootstrapToken, string trustdToken, string clusterCaKey, string osCaKey)
    {
        var network = node is { } n ? $"\n    network:\n        hostname: {n.Host}\n        interfaces:\n            - interface: eth0\n              dhcp: true\n              vip:\n                ip: 192.168.8.20" : "";
        return $"""
            version: v1alpha1
            debug: false
            persist: true
            machine:
                type: {role}
                token: {trustdToken}
                ca:
                    crt: LS0tLS1CRUdJTi...
                    key: {osCaKey}
                install:
                    disk: /dev/sda
                    image: factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.10.4{network}
            cluster:
                clusterName: {name}-cluster
                controlPlane:
                    endpoint: https://192.168.8.20:6443
                token: {bootstrapToken}
                ca:
                    crt: LS0tLS1CRUdJTi...
                    key: {clusterCaKey}

            """;
    }

    private static string Base64(Random rng, int bytes)
    {
        var b = new byte[bytes];
        rng.NextBytes(b);
        return Convert.ToBase64String(b);
    }

    private static void WriteSecret(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>A cluster service as the daemon keeps it: wild-manifest.yaml, the templates (<c>kustomize.template/</c>,
    /// gomplate expressions unrendered), the compiled tree that was applied (<c>kustomize/</c>), and <c>.last-deploy</c>.</summary>
    private static void WriteClusterService(string dir, string service)
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(dir).FullName, "wild-manifest.yaml"), $"""
            name: {service}
            description: {service} cluster service
            namespace: {service}
            category: infrastructure

            """);
        foreach (var (tree, domain) in new[] { ("kustomize.template", "{{ .cloud.domain }}"), ("kustomize", "cloud.example.com") })
        {
            var d = Directory.CreateDirectory(Path.Combine(dir, tree)).FullName;
            File.WriteAllText(Path.Combine(d, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: {service}
                resources:
                - namespace.yaml
                - config.yaml

                """);
            File.WriteAllText(Path.Combine(d, "namespace.yaml"), $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {service}\n");
            File.WriteAllText(Path.Combine(d, "config.yaml"), $"""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {service}-config
                data:
                  domain: "{domain}"

                """);
        }
        File.WriteAllText(Path.Combine(dir, ".last-deploy"), "2025-11-20T09:14:03Z\n");
    }

    private static void WriteApp(string dir, string app, string[] requires, Random rng)
    {
        Directory.CreateDirectory(dir);
        var req = requires.Length == 0 ? "" : "requires:\n" + string.Concat(requires.Select(r => $"  - name: {r}\n"));
        File.WriteAllText(Path.Combine(dir, "manifest.yaml"), $"""
            name: {app}
            description: {char.ToUpperInvariant(app[0]) + app[1..]} on Wild Cloud
            version: 1.0.0
            {req}defaultConfig:
              storage: 10Gi
            requiredSecrets:
              - apps.{app}.dbPassword

            """.Replace("\n\n", "\n"));
        var isDb = app is "postgres" or "redis";
        var resources = new List<string> { "namespace.yaml", isDb ? "statefulset.yaml" : "deployment.yaml", "service.yaml" };
        if (!isDb) resources.AddRange(["pvc.yaml", "ingress.yaml"]);
        if (requires.Contains("postgres")) resources.Add("db-init-job.yaml");
        File.WriteAllText(Path.Combine(dir, "kustomization.yaml"), $"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: {app}
            labels:
            - includeSelectors: true
              pairs:
                app: {app}
                managedBy: kustomize
                partOf: wild-cloud
            resources:
            {string.Join("\n", resources.Select(r => "- " + r))}

            """);
        File.WriteAllText(Path.Combine(dir, "namespace.yaml"), $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {app}\n");
        var port = app switch { "postgres" => 5432, "redis" => 6379, "gitea" => 3000, _ => 8080 };
        var image = app switch { "postgres" => "pgvector/pgvector:pg15", "redis" => "redis:7.2", "gitea" => "gitea/gitea:1.22.0", "immich" => "ghcr.io/immich-app/immich-server:v1.119.0", _ => $"example/{app}:1.0" };
        if (isDb)
        {
            File.WriteAllText(Path.Combine(dir, "statefulset.yaml"), $"""
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: {app}
                spec:
                  serviceName: {app}
                  replicas: 1
                  selector:
                    matchLabels:
                      component: {app}
                  template:
                    metadata:
                      labels:
                        component: {app}
                    spec:
                      containers:
                      - name: {app}
                        image: {image}
                        ports:
                        - containerPort: {port}
                        volumeMounts:
                        - name: data
                          mountPath: /data
                  volumeClaimTemplates:
                  - metadata:
                      name: data
                    spec:
                      accessModes: [ReadWriteOnce]
                      storageClassName: longhorn
                      resources:
                        requests:
                          storage: 10Gi

                """);
        }
        else
        {
            File.WriteAllText(Path.Combine(dir, "deployment.yaml"), $"""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: {app}
                spec:
                  replicas: 1
                  strategy:
                    type: Recreate
                  selector:
                    matchLabels:
                      component: web
                  template:
                    metadata:
                      labels:
                        component: web
                    spec:
                      containers:
                      - name: {app}
                        image: {image}
                        ports:
                        - containerPort: {port}
                        envFrom:
                        - secretRef:
                            name: {app}-secrets
                        volumeMounts:
                        - name: data
                          mountPath: /data
                      volumes:
                      - name: data
                        persistentVolumeClaim:
                          claimName: {app}-data

                """);
            File.WriteAllText(Path.Combine(dir, "pvc.yaml"), $"""
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata:
                  name: {app}-data
                spec:
                  accessModes: [ReadWriteOnce]
                  storageClassName: longhorn
                  resources:
                    requests:
                      storage: 10Gi

                """);
            File.WriteAllText(Path.Combine(dir, "ingress.yaml"), $"""
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata:
                  name: {app}
                  annotations:
                    external-dns.alpha.kubernetes.io/target: cloud.example.com
                    cert-manager.io/cluster-issuer: letsencrypt-prod
                spec:
                  tls:
                  - hosts: [{app}.cloud.example.com]
                    secretName: {app}-tls
                  rules:
                  - host: {app}.cloud.example.com
                    http:
                      paths:
                      - path: /
                        pathType: Prefix
                        backend:
                          service:
                            name: {app}
                            port:
                              number: {port}

                """);
            // Nested configuration and a binary asset, as real apps carry.
            Directory.CreateDirectory(Path.Combine(dir, "config", "templates"));
            File.WriteAllText(Path.Combine(dir, "config", "app.ini"), $"[server]\nDOMAIN = {app}.cloud.example.com\nHTTP_PORT = {port}\n");
            File.WriteAllText(Path.Combine(dir, "config", "templates", "home.tmpl"), "{{template \"base/head\" .}}\n<h1>Welcome</h1>\n");
            var png = new byte[2048];
            rng.NextBytes(png);
            new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
            File.WriteAllBytes(Path.Combine(dir, "config", "logo.png"), png);
        }
        File.WriteAllText(Path.Combine(dir, "service.yaml"), $"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {app}
            spec:
              selector:
                component: {(isDb ? app : "web")}
              ports:
              - port: {port}
                targetPort: {port}

            """);
        if (requires.Contains("postgres"))
        {
            File.WriteAllText(Path.Combine(dir, "db-init-job.yaml"), $"""
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: {app}-db-init
                spec:
                  backoffLimit: 3
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers:
                      - name: db-init
                        image: pgvector/pgvector:pg15
                        command: ["/bin/sh", "-c", "createdb -h postgres.postgres.svc.cluster.local {app} || true"]

                """);
        }
    }
}
