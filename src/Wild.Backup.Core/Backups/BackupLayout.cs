using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// Where things live on the destination — the design's tree, exactly:
/// <code>
/// {dest}/{instance}/backups/cluster/   kubeconfig, talosconfig, talos.tar.gz, cluster-config.yaml, cluster-secrets.yaml,
///                                      setup.tar.gz, cluster-nodes.tar.gz, backup.json
/// {dest}/{instance}/backups/apps/{app}/ manifest.yaml, config.tar.gz, app-config.yaml, app-secrets.yaml, volumes/, backup.json
/// </code>
/// Work in progress and locks sit beside a backup under names starting with '.', which no app name can.
/// </summary>
public static class BackupLayout
{
    public const string RecordFile = "backup.json";

    public static class AppFiles
    {
        public const string Manifest = "manifest.yaml";
        public const string ConfigArchive = "config.tar.gz";
        public const string AppConfig = "app-config.yaml";
        public const string AppSecrets = "app-secrets.yaml";
        public const string VolumesDir = "volumes";
    }

    public static class ClusterFiles
    {
        public const string Kubeconfig = "kubeconfig";
        public const string Talosconfig = "talosconfig";
        /// <summary><c>talos/generated/</c>: talosconfig, the Talos PKI (secrets.yaml), controlplane.yaml, worker.yaml.</summary>
        public const string TalosArchive = "talos.tar.gz";
        public const string ClusterConfig = "cluster-config.yaml";
        public const string ClusterSecrets = "cluster-secrets.yaml";
        /// <summary><c>setup/cluster-services/</c>: each service's wild-manifest.yaml, <c>kustomize.template/</c> and the
        /// compiled <c>kustomize/</c>.</summary>
        public const string SetupArchive = "setup.tar.gz";
        /// <summary><c>setup/cluster-nodes/</c>: each node's patches and final machine config.</summary>
        public const string NodesArchive = "cluster-nodes.tar.gz";
        /// <summary>Recorded in <c>absent</c> when the instance had no Talos PKI to back up (it lives inside
        /// <see cref="TalosArchive"/> when present).</summary>
        public const string TalosPki = "talos/generated/secrets.yaml";
    }

    public const string ClusterSlot = "cluster";

    /// <summary><c>{instance}/backups</c></summary>
    public static string InstanceRoot(string instance) => StorePath.Combine(WildName.Validate(instance, "instance"), "backups");

    /// <summary><c>{instance}/backups/apps</c></summary>
    public static string AppsDir(string instance) => StorePath.Combine(InstanceRoot(instance), "apps");

    /// <summary>The slot holding an app's latest backup.</summary>
    public static BackupSlotAddress App(string instance, string app) => new(AppsDir(instance), WildName.Validate(app, "app"), BackupKind.App);

    /// <summary>The slot holding the cluster's latest backup.</summary>
    public static BackupSlotAddress Cluster(string instance) => new(InstanceRoot(instance), ClusterSlot, BackupKind.Cluster);
}

public enum BackupKind
{
    App,
    Cluster,
}

/// <summary>A named backup slot: <c>{Parent}/{Name}</c> holds the latest complete backup.</summary>
public sealed record BackupSlotAddress(string Parent, string Name, BackupKind Kind)
{
    public string LivePath => StorePath.Combine(Parent, Name);
    public string LockPath => StorePath.Combine(Parent, "." + Name + ".lock");
    internal string StagingPrefix => "." + Name + ".staging-";
    internal string OldPrefix => "." + Name + ".old-";
    internal string LockTempPrefix => "." + Name + ".lock.";

    /// <summary>The slot name a directory entry belongs to: <c>{name}</c> itself, or <c>.{name}.…</c> (staging, old,
    /// lock). Lets a batch split one listing among its slots instead of every slot scanning all of it.</summary>
    internal static string SlotOf(string entryName)
    {
        if (!entryName.StartsWith('.')) return entryName;
        var dot = entryName.IndexOf('.', 1);
        return dot < 0 ? entryName : entryName[1..dot];
    }
}
