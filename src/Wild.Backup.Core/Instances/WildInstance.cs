namespace Wild.Backup.Core.Instances;

/// <summary>One Wild Cloud instance: <c>{dataDir}/instances/{name}/</c>.</summary>
public sealed record WildInstance(string Name, string Path, string DataDir)
{
    public string ConfigPath => System.IO.Path.Combine(Path, "config.yaml");
    public string SecretsPath => System.IO.Path.Combine(Path, "secrets.yaml");
    public string KubeconfigPath => System.IO.Path.Combine(Path, "kubeconfig");
    /// <summary><c>talos/generated/</c>: talosconfig, the Talos cluster PKI (<c>secrets.yaml</c> from
    /// <c>talosctl gen secrets</c>) and the base machine configs (<c>controlplane.yaml</c>, <c>worker.yaml</c>).</summary>
    public string TalosGeneratedPath => System.IO.Path.Combine(Path, "talos", "generated");
    /// <summary>The talosconfig the daemon uses: <c>talos/generated/talosconfig</c> (civil-society-dev/wild-cloud
    /// <c>api/internal/tools/kubectl.go</c>, GetTalosconfigPath).</summary>
    public string TalosconfigPath => System.IO.Path.Combine(TalosGeneratedPath, "talosconfig");
    /// <summary>Where an earlier note wrongly put it (and earlier versions of this tool restored it): the instance root.
    /// Still read when <see cref="TalosconfigPath"/> does not exist.</summary>
    public string LegacyTalosconfigPath => System.IO.Path.Combine(Path, "talosconfig");
    /// <summary>The Talos cluster PKI: without it the nodes cannot be re-created or re-joined.</summary>
    public string TalosSecretsPath => System.IO.Path.Combine(TalosGeneratedPath, "secrets.yaml");
    /// <summary><c>setup/cluster-nodes/</c>: each node's patches (<c>patch/{host}.yaml</c>, <c>patch.templates/</c>) and
    /// final machine config (<c>final/{host}.yaml</c>), secret-bearing.</summary>
    public string ClusterNodesPath => System.IO.Path.Combine(Path, "setup", "cluster-nodes");
    public string ClusterServicesPath => System.IO.Path.Combine(Path, "setup", "cluster-services");
    public string AppsPath => System.IO.Path.Combine(Path, "apps");
    public string AppPath(string app) => System.IO.Path.Combine(AppsPath, app);
    public string OperationsPath => System.IO.Path.Combine(Path, "operations");
}

/// <summary>An app deployed in an instance: <c>apps/{name}/</c>, a compiled kustomize directory.</summary>
public sealed record WildApp
{
    public required string Name { get; init; }
    public required string Instance { get; init; }
    /// <summary>The Kubernetes namespace (kustomization.yaml's <c>namespace:</c>, else the app name).</summary>
    public required string Namespace { get; init; }
    public required string Path { get; init; }
    /// <summary>The data dir the instance lives in (so piping an app on keeps the same data dir).</summary>
    public required string DataDir { get; init; }
    /// <summary>Apps this one depends on (the manifest's <c>requires</c>).</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];
    public string? Description { get; init; }
    public string? Version { get; init; }
    /// <summary>What is odd about the app's files, for the user (a manifest naming another app, unrendered templates,
    /// YAML that had to be read key by key). Never secret values.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
