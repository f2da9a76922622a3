namespace Wild.Backup.Core.Instances;

/// <summary>One Wild Cloud instance: <c>{dataDir}/instances/{name}/</c>.</summary>
public sealed record WildInstance(string Name, string Path, string DataDir)
{
    public string ConfigPath => System.IO.Path.Combine(Path, "config.yaml");
    public string SecretsPath => System.IO.Path.Combine(Path, "secrets.yaml");
    public string KubeconfigPath => System.IO.Path.Combine(Path, "kubeconfig");
    public string TalosconfigPath => System.IO.Path.Combine(Path, "talosconfig");
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
}
