namespace Wild.Backup.Simulator.Extensibility;

/// <summary>
/// In-process code that extends the simulated cluster (e.g. the Longhorn simulator): it registers
/// CRDs and provisioners at start and runs its own controllers against the same store, through
/// <see cref="ClusterExtensionContext.Api"/> (no HTTP). Add instances to
/// <see cref="Cluster.SimulatedClusterOptions.Extensions"/>.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="InitializeAsync"/> runs once, in registration order, after the built-in
/// objects exist (namespaces, nodes, StorageClass "longhorn") and before the HTTP listener starts, so
/// clients never see the cluster without the extension's CRDs. Then <see cref="RunAsync"/> starts
/// alongside the built-in controllers and must return promptly once its token is cancelled (cluster
/// disposal). An exception from InitializeAsync fails <see cref="Cluster.SimulatedCluster.StartAsync"/>;
/// one from RunAsync is logged and ends only that extension.
/// </remarks>
public interface IClusterExtension
{
    /// <summary>Name used in logs.</summary>
    string Name { get; }

    /// <summary>Register CRDs (<see cref="ClusterExtensionContext.RegisterCustomResourceDefinitionAsync"/>), provisioners and initial objects.</summary>
    Task InitializeAsync(ClusterExtensionContext context, CancellationToken cancellationToken);

    /// <summary>Run controllers until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task RunAsync(ClusterExtensionContext context, CancellationToken cancellationToken);
}
