using System.Security.Cryptography;
using Wild.Backup.Core;

namespace Wild.Backup.Testing;

/// <summary>
/// A Wild Cloud data dir as real ones are, written by this project from the facts in ../shared/notes/wild-cloud.md (and
/// the upstream files cited there), not copied from Wild Cloud. The heart of the tests that check the tool against real
/// instances. Two instances:
/// <list type="bullet">
/// <item><b>home</b>, as the daemon leaves it: config.yaml written by yaml.v3 (4-space indent, every key present, empty
/// strings, no comments, the daemon's <c>backup.destination</c> and <c>cluster.longhorn.backupTarget</c>), secrets.yaml
/// with <c>certManager</c> at the top, <c>talos/generated/*</c> (talosconfig, the Talos PKI, base machine configs),
/// <c>setup/cluster-nodes/*</c>, cluster services with template and compiled trees, catalogue-like apps — postgres as a
/// Deployment with claim <c>postgres-pvc</c>, mysql as a StatefulSet (<c>data-mysql-0</c>), redis without storage, gitea
/// with an env-file configMapGenerator and a db-init Job, open-webui whose manifest says <c>name: openWebui</c>, vllm in
/// namespace <c>llm</c>, keila with a Traefik Middleware, ghost whose manifest was copied unrendered and is not strict
/// YAML — and the daemon's own operation records (one finished days ago, one running, one failed, one unreadable), its
/// output logs and its backups/ directory;</item>
/// <item><b>lab</b>, hand-edited (comments, 2-space indent, <c>apps: {}</c> in secrets.yaml), an older instance
/// with talosconfig but no Talos PKI in <c>talos/generated/</c>, and one app.</item>
/// </list>
/// Secret values are random; <see cref="Secrets"/> lists them so tests can prove none leaks.
/// </summary>
public sealed class RealisticWorld : IDisposable
{
    public const string Home = "home";
    public const string Lab = "lab";

    /// <summary>The apps of <c>home</c> (directory names: the apps' names).</summary>
    public static readonly IReadOnlyList<string> HomeApps = ["ghost", "gitea", "keila", "mysql", "open-webui", "postgres", "redis", "vllm"];

    private readonly TempDir _temp = new("wildbackup-real-");
    private readonly List<string> _secrets = [];

    public RealisticWorld()
    {
        DataDir = _temp.Combine("wild-central");
        Destination = _temp.Combine("nas");
        Directory.CreateDirectory(Destination);
        // Nothing listens here: the cluster is "down", app backups take the configuration only (with a warning).
        UnreachableApiServer = $"https://127.0.0.1:{Kubeconfigs.FreePort()}";
        WriteGlobal();
        WriteHome(InstancePath(Home));
        WriteLab(InstancePath(Lab));
    }

    public string DataDir { get; }
    public string Destination { get; }
    public string UnreachableApiServer { get; }
    public IReadOnlyList<string> Secrets => _secrets;
    public string Root => _temp.Path;

    public string InstancePath(string instance) => Path.Combine(DataDir, "instances", instance);
    public InstanceSelector Selector(string instance) => new(DataDir, instance, Destination);
    public string BackupDir(string instance, string relative) => Path.Combine(Destination, instance, "backups", relative);

    /// <summary>The daemon's records written into home's operations/ (file names).</summary>
    public static class DaemonRecords
    {
        /// <summary>Finished three days ago: older than any retention, must survive every purge of ours.</summary>
        public const string OldDeploy = "op_deploy_app_gitea_1763370000123456789";
        /// <summary>Running now, <c>ended_at</c> the Go zero time, no owner: must not be "recovered" as interrupted.</summary>
        public const string RunningBootstrap = "op_bootstrap_cluster_1763630000987654321";
        /// <summary>Failed, with the daemon's details.</summary>
        public const string FailedBackup = "op_backup_ghost_1763600000555000111";
        /// <summary>Not JSON at all: skipped.</summary>
        public const string Unreadable = "op_discover_192.168.8.0_1763000000000000001";
    }

    public void Dispose() => _temp.Dispose();

    private string Secret(int length = 24)
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var value = new string(Enumerable.Range(0, length).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray());
        _secrets.Add(value);
        return value;
    }

    private string SecretBase64(int bytes)
    {
        var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));
        _secrets.Add(value);
        return value;
    }

    private static string Base64(int bytes) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));

    private static void Write(string path, string text, bool secret = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        if (secret) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private void WriteGlobal()
    {
        Write(Path.Combine(DataDir, "config.yaml"), """
            operator:
                email: admin@example.net
            wildcloud:
                repository: ""
                currentPhase: ""
            server:
                host: 0.0.0.0
                port: 5055

            """);
        Write(Path.Combine(DataDir, "instances", ".lock"), "");
    }

    // ----- home: as the daemon writes it -----

    private void WriteHome(string root)
    {
        Write(Path.Combine(root, "config.yaml"), """
            operator:
                email: ""
            cloud:
                baseDomain: example.net
                domain: cloud.example.net
                internalDomain: internal.cloud.example.net
                dhcpRange: 192.168.8.100,192.168.8.200
                dockerRegistryHost: docker-registry.internal.cloud.example.net
                nfs:
                    host: ""
                    mediaPath: ""
                    storageCapacity: ""
                smtp:
                    from: ""
                    host: ""
                    port: ""
                    tls: ""
                    user: ""
            cluster:
                name: home-cluster
                loadBalancerIp: 192.168.8.80
                ipAddressPool: 192.168.8.80-192.168.8.89
                hostnamePrefix: ""
                certManager:
                    cloudflare:
                        domain: example.net
                        zoneID: ""
                externalDns:
                    ownerId: home-cluster
                longhorn:
                    backupTarget: nfs://nas.lan:/volume1/longhorn
                nodes:
                    talos:
                        version: v1.10.4
                        schematicId: 376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba
                    control:
                        vip: 192.168.8.30
                    active:
                        home-cp-1:
                            role: controlplane
                            interface: eth0
                            disk: /dev/nvme0n1
                            currentIp: 192.168.8.31
                        home-worker-1:
                            role: worker
                            interface: enp2s0
                            disk: /dev/sda
                            currentIp: 192.168.8.41
            backup:
                destination:
                    type: nfs
                    nfs:
                        server: nas.lan
                        path: /volume1/wild-backups
                    local:
                        path: ""
            apps:
                ghost:
                    domain: ghost.cloud.example.net
                    dbHost: mysql.mysql.svc.cluster.local
                    dbName: ghost
                    dbUser: ghost
                    storage: 10Gi
                gitea:
                    domain: git.cloud.example.net
                    dbHost: postgres.postgres.svc.cluster.local
                    dbName: gitea
                    dbUser: gitea
                    storage: 20Gi
                keila:
                    domain: keila.cloud.example.net
                    dbHostname: postgres.postgres.svc.cluster.local
                    dbName: keila
                    dbUsername: keila
                mysql:
                    image: mysql:9.1.0
                    storage: 20Gi
                open-webui:
                    domain: chat.cloud.example.net
                    storage: 10Gi
                postgres:
                    image: pgvector/pgvector:pg15
                    storage: 10Gi
                redis:
                    image: redis:7.4
                vllm:
                    model: Qwen/Qwen2.5-7B-Instruct
                    namespace: llm

            """);
        Write(Path.Combine(root, "secrets.yaml"), $"""
            certManager:
                cloudflare:
                    apiToken: {Secret(40)}
            cluster:
                talosSecrets: {SecretBase64(48)}
                kubeconfig: ""
            apps:
                ghost:
                    dbPassword: {Secret()}
                gitea:
                    adminPassword: {Secret()}
                    dbPassword: {Secret()}
                    secretKey: {Secret(48)}
                keila:
                    dbPassword: {Secret()}
                    secretKeyBase: {Secret(64)}
                mysql:
                    rootPassword: {Secret()}
                open-webui:
                    secretKey: {Secret(32)}
                postgres:
                    password: {Secret()}

            """, secret: true);
        Write(Path.Combine(root, "config.yaml.lock"), "");
        Write(Path.Combine(root, "secrets.yaml.lock"), "");
        WriteKubeconfig(root, "home-cluster");
        WriteTalos(root, "home-cluster", "192.168.8.30", withPki: true);
        WriteNodes(root, "home-cluster", [("home-cp-1", "192.168.8.31", "controlplane", "/dev/nvme0n1"), ("home-worker-1", "192.168.8.41", "worker", "/dev/sda")]);
        foreach (var service in new[] { "metallb", "longhorn", "traefik", "cert-manager", "externaldns" }) WriteService(root, service);
        WriteHomeApps(root);
        WriteDaemonOperations(root);
        Write(Path.Combine(root, "backups", "staging", "cluster", "20251119T020000Z", "cluster-backup.json"),
            """{"app_name":"cluster","timestamp":"20251119T020000Z","type":"cluster","status":"completed","files":[]}""" + "\n");
        foreach (var d in new[] { "k8s", "logs", "pxe", "discovery" }) Directory.CreateDirectory(Path.Combine(root, d));
    }

    private void WriteKubeconfig(string root, string cluster) =>
        Write(Path.Combine(root, "kubeconfig"), $"""
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                certificate-authority-data: {Base64(450)}
                server: {UnreachableApiServer}
              name: {cluster}
            contexts:
            - context:
                cluster: {cluster}
                namespace: default
                user: admin@{cluster}
              name: admin@{cluster}
            current-context: admin@{cluster}
            users:
            - name: admin@{cluster}
              user:
                client-certificate-data: {Base64(500)}
                client-key-data: {SecretBase64(220)}

            """, secret: true);

    /// <summary>talos/generated/ as <c>talosctl gen secrets</c> and <c>gen config --with-secrets</c> leave it. Key names of
    /// the secrets bundle: siderolabs/talos pkg/machinery/config/generate/secrets/bundle.go.</summary>
    private void WriteTalos(string root, string cluster, string vip, bool withPki)
    {
        var dir = Path.Combine(root, "talos", "generated");
        Write(Path.Combine(dir, "talosconfig"), $"""
            context: {cluster}
            contexts:
                {cluster}:
                    endpoints:
                        - {vip}
                    ca: {Base64(300)}
                    crt: {Base64(300)}
                    key: {SecretBase64(120)}

            """, secret: true);
        if (withPki)
        {
            Write(Path.Combine(dir, "secrets.yaml"), $"""
                cluster:
                    id: {Base64(32)}
                    secret: {SecretBase64(32)}
                secrets:
                    bootstraptoken: {Secret(6).ToLowerInvariant()}.{Secret(16).ToLowerInvariant()}
                    secretboxencryptionsecret: {SecretBase64(32)}
                trustdinfo:
                    token: {Secret(6).ToLowerInvariant()}.{Secret(16).ToLowerInvariant()}
                certs:
                    etcd:
                        crt: {Base64(400)}
                        key: {SecretBase64(160)}
                    k8s:
                        crt: {Base64(400)}
                        key: {SecretBase64(160)}
                    k8saggregator:
                        crt: {Base64(400)}
                        key: {SecretBase64(160)}
                    k8sserviceaccount:
                        key: {SecretBase64(160)}
                    os:
                        crt: {Base64(400)}
                        key: {SecretBase64(160)}

                """, secret: true);
        }
        foreach (var role in new[] { "controlplane", "worker" })
            Write(Path.Combine(dir, role + ".yaml"), MachineConfig(cluster, vip, role, null, null), secret: true);
    }

    private string MachineConfig(string cluster, string vip, string role, string? host, string? disk) => $"""
        version: v1alpha1
        debug: false
        persist: true
        machine:
            type: {role}
            token: {Secret(6).ToLowerInvariant()}.{Secret(16).ToLowerInvariant()}
            ca:
                crt: {Base64(300)}
                key: {SecretBase64(120)}
            install:
                disk: {disk ?? "/dev/sda"}
                image: factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.10.4
            network:
                hostname: {host ?? ""}
        cluster:
            id: {Base64(32)}
            secret: {SecretBase64(32)}
            controlPlane:
                endpoint: https://{vip}:6443
            clusterName: {cluster}
            token: {Secret(6).ToLowerInvariant()}.{Secret(16).ToLowerInvariant()}
            ca:
                crt: {Base64(300)}
                key: {SecretBase64(120)}

        """;

    private void WriteNodes(string root, string cluster, IReadOnlyList<(string Host, string Ip, string Role, string Disk)> nodes)
    {
        var dir = Path.Combine(root, "setup", "cluster-nodes");
        Write(Path.Combine(dir, "patch.templates", "controlplane.yaml"), """
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
        Write(Path.Combine(dir, "patch.templates", "worker.yaml"), """
            machine:
              install:
                disk: {{ .disk }}
              network:
                hostname: {{ .hostname }}

            """);
        foreach (var (host, ip, role, disk) in nodes)
        {
            Write(Path.Combine(dir, "patch", host + ".yaml"), $"""
                machine:
                  install:
                    disk: {disk}
                  network:
                    hostname: {host}

                """, secret: true);
            Write(Path.Combine(dir, "final", host + ".yaml"), MachineConfig(cluster, "192.168.8.30", role, host, disk), secret: true);
        }
    }

    /// <summary>A cluster service: wild-manifest.yaml, templates with gomplate expressions, the compiled tree applied.</summary>
    private static void WriteService(string root, string service)
    {
        var dir = Path.Combine(root, "setup", "cluster-services", service);
        var ns = service switch { "longhorn" => "longhorn-system", "metallb" => "metallb-system", _ => service };
        Write(Path.Combine(dir, "wild-manifest.yaml"), $"""
            name: {service}
            description: {service} for Wild Cloud
            namespace: {ns}
            category: infrastructure

            """);
        foreach (var (tree, domain, pool) in new[] { ("kustomize.template", "{{ .cloud.domain }}", "{{ .cluster.ipAddressPool }}"), ("kustomize", "cloud.example.net", "192.168.8.80-192.168.8.89") })
        {
            Write(Path.Combine(dir, tree, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: {ns}
                resources:
                  - namespace.yaml
                  - config.yaml

                """);
            Write(Path.Combine(dir, tree, "namespace.yaml"), $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n");
            Write(Path.Combine(dir, tree, "config.yaml"), $"""
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: {service}-settings
                data:
                  domain: "{domain}"
                  pool: "{pool}"

                """);
        }
        Write(Path.Combine(dir, ".last-deploy"), "2025-11-18T21:04:55Z\n");
    }

    private static string Labels(string app) => $"""
        labels:
          - includeSelectors: true
            pairs:
              app: {app}
              managedBy: kustomize
              partOf: wild-cloud
        """;

    private static void Kustomization(string dir, string app, string ns, IEnumerable<string> resources, string extra = "") =>
        Write(Path.Combine(dir, "kustomization.yaml"),
            $"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {ns}\n{Labels(app)}\nresources:\n{string.Concat(resources.Select(r => $"  - {r}\n"))}{extra}");

    private static void Namespace(string dir, string ns) => Write(Path.Combine(dir, "namespace.yaml"), $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n");

    private static void Claim(string dir, string file, string name, string size) => Write(Path.Combine(dir, file), $"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: {name}
        spec:
          accessModes:
            - ReadWriteOnce
          resources:
            requests:
              storage: {size}

        """);

    private static void Service(string dir, string name, int port, string component, bool headless = false) => Write(Path.Combine(dir, headless ? "service-headless.yaml" : "service.yaml"), $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
        spec:
          {(headless ? "clusterIP: None\n  " : "")}selector:
            component: {component}
          ports:
            - port: {port}
              targetPort: {port}

        """);

    private static void Deployment(string dir, string name, string image, int port, string? claim, string? secretRef, string component = "app")
    {
        var lines = new List<string>
        {
            "apiVersion: apps/v1", "kind: Deployment", "metadata:", $"  name: {name}", "spec:", "  replicas: 1", "  strategy:", "    type: Recreate",
            "  selector:", "    matchLabels:", $"      component: {component}", "  template:", "    metadata:", "      labels:", $"        component: {component}",
            "    spec:", "      containers:", $"        - name: {name}", $"          image: {image}", "          ports:", $"            - containerPort: {port}",
        };
        if (secretRef is not null) lines.AddRange(["          envFrom:", "            - secretRef:", $"                name: {secretRef}"]);
        if (claim is not null)
        {
            lines.AddRange(["          volumeMounts:", "            - name: data", "              mountPath: /data"]);
            lines.AddRange(["      volumes:", "        - name: data", "          persistentVolumeClaim:", $"            claimName: {claim}"]);
        }
        Write(Path.Combine(dir, "deployment.yaml"), string.Join('\n', lines) + "\n");
    }

    private static void Ingress(string dir, string name, string host, int port, string? middleware = null) => Write(Path.Combine(dir, "ingress.yaml"), $"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: {name}
          annotations:
            external-dns.alpha.kubernetes.io/target: cloud.example.net
            external-dns.alpha.kubernetes.io/cloudflare-proxied: "false"
        {(middleware is null ? "" : $"    traefik.ingress.kubernetes.io/router.middlewares: {middleware}\n")}spec:
          rules:
            - host: {host}
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: {name}
                        port:
                          number: {port}
          tls:
            - hosts:
                - {host}
              secretName: wildcard-wild-cloud-tls

        """);

    private static void DbInitJob(string dir, string app, string adminSecret, string host) => Write(Path.Combine(dir, "db-init-job.yaml"), $"""
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {app}-db-init
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - name: db-init
                  image: pgvector/pgvector:pg15
                  command: ["/bin/sh", "-c", "psql -h {host} -U postgres -c 'select 1'"]
                  env:
                    - name: PGPASSWORD
                      valueFrom:
                        secretKeyRef:
                          name: {adminSecret}
                          key: apps.postgres.password

        """);

    /// <summary>A manifest of the newest catalogue generation (is, category, defaultSecrets, requires with aliases).</summary>
    private static void Manifest(string dir, string name, string description, string[] requires, string defaultConfig, string[] requiredSecrets) =>
        Write(Path.Combine(dir, "manifest.yaml"),
            $"name: {name}\nis: {name}\ndescription: {description}\nversion: 1.0.0\nicon: https://example.net/icons/{name}.svg\ncategory: apps\n" +
            (requires.Length == 0 ? "" : "requires:\n" + string.Concat(requires.Select(r => $"  - name: {r}\n"))) +
            $"defaultConfig:\n{defaultConfig}" +
            (requiredSecrets.Length == 0 ? "" : "requiredSecrets:\n" + string.Concat(requiredSecrets.Select(s => $"  - {s}\n"))));

    private static void WriteHomeApps(string root)
    {
        string App(string name) => Path.Combine(root, "apps", name);

        // postgres: a Deployment with claim postgres-pvc (the catalogue's shared database).
        var d = App("postgres");
        Manifest(d, "postgres", "PostgreSQL with pgvector", [], "  image: pgvector/pgvector:pg15\n  storage: 10Gi\n", ["apps.postgres.password"]);
        Kustomization(d, "postgres", "postgres", ["namespace.yaml", "deployment.yaml", "service.yaml", "pvc.yaml"]);
        Namespace(d, "postgres");
        Deployment(d, "postgres", "pgvector/pgvector:pg15", 5432, "postgres-pvc", "postgres-secrets");
        Service(d, "postgres", 5432, "app");
        Claim(d, "pvc.yaml", "postgres-pvc", "10Gi");

        // mysql: the one StatefulSet (volumeClaimTemplates data → data-mysql-0), with its headless Service.
        d = App("mysql");
        Manifest(d, "mysql", "MySQL database", [], "  image: mysql:9.1.0\n  storage: 20Gi\n", ["apps.mysql.rootPassword"]);
        Kustomization(d, "mysql", "mysql", ["namespace.yaml", "statefulset.yaml", "service.yaml", "service-headless.yaml"]);
        Namespace(d, "mysql");
        Write(Path.Combine(d, "statefulset.yaml"), """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: mysql
            spec:
              serviceName: mysql-headless
              replicas: 1
              selector:
                matchLabels:
                  component: primary
              template:
                metadata:
                  labels:
                    component: primary
                spec:
                  containers:
                    - name: mysql
                      image: mysql:9.1.0
                      ports:
                        - containerPort: 3306
                      envFrom:
                        - secretRef:
                            name: mysql-secrets
                      volumeMounts:
                        - name: data
                          mountPath: /var/lib/mysql
              volumeClaimTemplates:
                - metadata:
                    name: data
                  spec:
                    accessModes:
                      - ReadWriteOnce
                    resources:
                      requests:
                        storage: 20Gi

            """);
        Service(d, "mysql", 3306, "primary");
        Write(Path.Combine(d, "service-headless.yaml"), """
            apiVersion: v1
            kind: Service
            metadata:
              name: mysql-headless
            spec:
              clusterIP: None
              selector:
                component: primary
              ports:
                - port: 3306

            """);

        // redis: a Deployment without storage.
        d = App("redis");
        Manifest(d, "redis", "Redis cache", [], "  image: redis:7.4\n", []);
        Kustomization(d, "redis", "redis", ["namespace.yaml", "deployment.yaml", "service.yaml"]);
        Namespace(d, "redis");
        Deployment(d, "redis", "redis:7.4", 6379, null, null);
        Service(d, "redis", 6379, "app");

        // gitea: requires postgres; configMapGenerator from an env file; db-init Job using postgres-secrets.
        d = App("gitea");
        Manifest(d, "gitea", "Git hosting", ["postgres"], "  domain: git.{{ .cloud.domain }}\n  dbName: gitea\n  dbUser: gitea\n  dbHost: postgres.postgres.svc.cluster.local\n  storage: 20Gi\n",
            ["apps.gitea.adminPassword", "apps.gitea.dbPassword", "apps.postgres.password"]);
        Kustomization(d, "gitea", "gitea", ["namespace.yaml", "deployment.yaml", "service.yaml", "pvc.yaml", "ingress.yaml", "db-init-job.yaml"],
            "configMapGenerator:\n  - name: gitea-env\n    envs:\n      - gitea.env\n");
        Namespace(d, "gitea");
        Deployment(d, "gitea", "gitea/gitea:1.24.3", 3000, "gitea-data", "gitea-secrets");
        Service(d, "gitea", 3000, "app");
        Claim(d, "pvc.yaml", "gitea-data", "20Gi");
        Ingress(d, "gitea", "git.cloud.example.net", 3000);
        DbInitJob(d, "gitea", "postgres-secrets", "postgres.postgres.svc.cluster.local");
        Write(Path.Combine(d, "gitea.env"), "GITEA__server__DOMAIN=git.cloud.example.net\nGITEA__server__ROOT_URL=https://git.cloud.example.net/\nGITEA__database__DB_TYPE=postgres\nGITEA__database__HOST=postgres.postgres.svc.cluster.local:5432\n");

        // open-webui: its manifest names itself openWebui; the app is open-webui.
        d = App("open-webui");
        Manifest(d, "openWebui", "Open WebUI for local models", [], "  domain: chat.{{ .cloud.domain }}\n  storage: 10Gi\n", ["apps.open-webui.secretKey"]);
        Kustomization(d, "open-webui", "open-webui", ["namespace.yaml", "deployment.yaml", "service.yaml", "pvc.yaml", "ingress.yaml"]);
        Namespace(d, "open-webui");
        Deployment(d, "open-webui", "ghcr.io/open-webui/open-webui:0.6.18", 8080, "open-webui-data", "open-webui-secrets");
        Service(d, "open-webui", 8080, "app");
        Claim(d, "pvc.yaml", "open-webui-data", "10Gi");
        Ingress(d, "open-webui", "chat.cloud.example.net", 8080);

        // vllm: its namespace is llm, not the app's name.
        d = App("vllm");
        Manifest(d, "vllm", "vLLM inference server", [], "  model: Qwen/Qwen2.5-7B-Instruct\n  namespace: llm\n", []);
        Kustomization(d, "vllm", "llm", ["namespace.yaml", "deployment.yaml", "service.yaml"]);
        Namespace(d, "llm");
        Deployment(d, "vllm", "vllm/vllm-openai:v0.9.2", 8000, null, null);
        Service(d, "vllm", 8000, "app");

        // keila: a Traefik Middleware beside its ingress; uses the postgres app.
        d = App("keila");
        Manifest(d, "keila", "Newsletters", ["postgres"], "  domain: keila.{{ .cloud.domain }}\n  dbHostname: postgres.postgres.svc.cluster.local\n  dbName: keila\n  dbUsername: keila\n",
            ["apps.keila.dbPassword", "apps.keila.secretKeyBase", "apps.postgres.password"]);
        Kustomization(d, "keila", "keila", ["namespace.yaml", "deployment.yaml", "service.yaml", "ingress.yaml", "middleware.yaml", "db-init-job.yaml"]);
        Namespace(d, "keila");
        Deployment(d, "keila", "pentacent/keila:0.17.1", 4000, null, "keila-secrets");
        Service(d, "keila", 4000, "app");
        Ingress(d, "keila", "keila.cloud.example.net", 4000, "keila-cors@kubernetescrd");
        DbInitJob(d, "keila", "postgres-secrets", "postgres.postgres.svc.cluster.local");
        Write(Path.Combine(d, "middleware.yaml"), """
            apiVersion: traefik.io/v1alpha1
            kind: Middleware
            metadata:
              name: cors
            spec:
              headers:
                accessControlAllowMethods:
                  - GET
                  - OPTIONS
                accessControlAllowOriginList:
                  - https://keila.cloud.example.net

            """);

        // ghost: manifest.yaml copied unrendered by older tooling — template expressions, and not strict YAML (an unquoted
        // {{ … }} reads as a flow mapping; defaultConfig repeats tlsSecretName, as the catalogue's ghost does). Uses mysql.
        d = App("ghost");
        Write(Path.Combine(d, "manifest.yaml"), """
            name: ghost
            description: Ghost publishing platform
            version: 5.130.0
            requires:
              - name: mysql
            defaultConfig:
              domain: ghost.{{ .cloud.domain }}
              tlsSecretName: wildcard-wild-cloud-tls
              dbHost: mysql.mysql.svc.cluster.local
              dbName: ghost
              dbUser: ghost
              smtp:
                host: {{ .cloud.smtp.host }}
                tls: {{ .cloud.smtp.tls }}
              storage: 10Gi
              tlsSecretName: wildcard-wild-cloud-tls
            requiredSecrets:
              - apps.ghost.dbPassword
              - apps.mysql.rootPassword

            """);
        Kustomization(d, "ghost", "ghost", ["namespace.yaml", "deployment.yaml", "service.yaml", "pvc.yaml", "ingress.yaml"]);
        Namespace(d, "ghost");
        Deployment(d, "ghost", "ghost:5.130.0", 2368, "ghost-content", "ghost-secrets");
        Service(d, "ghost", 2368, "app");
        Claim(d, "pvc.yaml", "ghost-content", "10Gi");
        Ingress(d, "ghost", "ghost.cloud.example.net", 2368);
    }

    /// <summary>The daemon's records, in its shape (civil-society-dev/wild-cloud api/internal/operations/operations.go):
    /// Go-formatted times (nanoseconds, zone offsets), <c>ended_at</c> the Go zero time until done, <c>logFile</c>.</summary>
    private static void WriteDaemonOperations(string root)
    {
        var ops = Path.Combine(root, "operations");
        var now = DateTimeOffset.UtcNow;
        string Go(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture) + "89-08:00";
        var old = now.AddDays(-3).ToOffset(TimeSpan.FromHours(-8));
        Write(Path.Combine(ops, DaemonRecords.OldDeploy + ".json"), $$"""
            {
              "id": "{{DaemonRecords.OldDeploy}}",
              "type": "deploy_app",
              "target": "gitea",
              "instance": "home",
              "status": "completed",
              "message": "App deployed",
              "progress": 100,
              "logFile": "{{Path.Combine(ops, DaemonRecords.OldDeploy, "output.log")}}",
              "started_at": "{{Go(old)}}",
              "ended_at": "{{Go(old.AddMinutes(2))}}"
            }
            """);
        Write(Path.Combine(ops, DaemonRecords.OldDeploy, "output.log"), "kustomize build apps/gitea | kubectl apply -f -\ndeployment.apps/gitea configured\n");
        var started = now.AddMinutes(-5).ToOffset(TimeSpan.FromHours(-8));
        Write(Path.Combine(ops, DaemonRecords.RunningBootstrap + ".json"), $$"""
            {
              "id": "{{DaemonRecords.RunningBootstrap}}",
              "type": "bootstrap",
              "target": "cluster",
              "instance": "home",
              "status": "running",
              "message": "Step 3/7: Waiting for etcd (attempt 2/30)",
              "progress": 33,
              "details": {
                "bootstrap": {
                  "current_step": 2,
                  "step_name": "etcd",
                  "attempt": 2,
                  "max_attempts": 30,
                  "step_description": "Waiting for etcd"
                }
              },
              "started_at": "{{Go(started)}}",
              "ended_at": "0001-01-01T00:00:00Z"
            }
            """);
        var failed = now.AddHours(-2).ToOffset(TimeSpan.FromHours(-8));
        Write(Path.Combine(ops, DaemonRecords.FailedBackup + ".json"), $$"""
            {
              "id": "{{DaemonRecords.FailedBackup}}",
              "type": "backup",
              "target": "ghost",
              "instance": "home",
              "status": "failed",
              "message": "mysqldump failed: exit status 2",
              "progress": 40,
              "started_at": "{{Go(failed)}}",
              "ended_at": "{{Go(failed.AddSeconds(42))}}"
            }
            """);
        Write(Path.Combine(ops, DaemonRecords.Unreadable + ".json"), "{\"id\": \"op_discover_192.168.8.0_1763000000000000001\", \"status\": ");
    }

    // ----- lab: hand-edited, older -----

    private void WriteLab(string root)
    {
        Write(Path.Combine(root, "config.yaml"), """
            # Lab cloud: hand-edited with yq. Keep the comments.
            operator:
              email: lab@example.net
            cloud:
              domain: lab.example.net   # public
              internalDomain: internal.lab.example.net
              nfs:
                host: 192.168.9.10
                mediaPath: /srv/media
            cluster:
              name: lab-cluster
              nodes:
                control:
                  vip: 192.168.9.20
            apps:
              # the only app for now
              redis:
                image: redis:7.4

            """);
        Write(Path.Combine(root, "secrets.yaml"), $"""
            # lab secrets (0600)
            certManager:
              cloudflare:
                apiToken: {Secret(40)}
            apps: {"{}"}

            """, secret: true);
        WriteKubeconfig(root, "lab-cluster");
        WriteTalos(root, "lab-cluster", "192.168.9.20", withPki: false);
        WriteService(root, "traefik");
        var d = Path.Combine(root, "apps", "redis");
        Manifest(d, "redis", "Redis cache", [], "  image: redis:7.4\n", []);
        Kustomization(d, "redis", "redis", ["namespace.yaml", "deployment.yaml", "service.yaml"]);
        Namespace(d, "redis");
        Deployment(d, "redis", "redis:7.4", 6379, null, null);
        Service(d, "redis", 6379, "app");
        Directory.CreateDirectory(Path.Combine(root, "operations"));
    }
}
