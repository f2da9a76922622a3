using System.Text;
using Wild.Backup.Core.Archives;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Yaml;

namespace Wild.Backup.Core.Backups;

/// <summary>
/// What an app or cluster backup contains, read from the instance directory ("Creating snapshot"). Small files —
/// config.yaml and secrets.yaml sections, the manifest, kubeconfig, talosconfig — are read into memory here, so the
/// backup reflects one moment; directory trees are archived while exporting.
/// </summary>
internal static class BackupSources
{
    private static readonly string[] Apps = ["apps"];

    public static BackupContents ForApp(InstanceSnapshot snapshot, WildApp app, Action<string> warn)
    {
        foreach (var warning in app.Warnings) warn(warning);
        var artifacts = new List<BackupArtifact>();
        var absent = new List<string>();
        var manifest = Path.Combine(app.Path, "manifest.yaml");
        if (File.Exists(manifest)) artifacts.Add(BackupArtifact.FromBytes(BackupLayout.AppFiles.Manifest, File.ReadAllBytes(manifest), secret: false));
        else Absent(BackupLayout.AppFiles.Manifest, $"app '{app.Name}' has no manifest.yaml");

        artifacts.Add(Archive(BackupLayout.AppFiles.ConfigArchive, app.Path, warn));

        string[] section = ["apps", app.Name];
        AddSection(snapshot.Config, "config.yaml", section, BackupLayout.AppFiles.AppConfig, secret: false);
        AddSection(snapshot.Secrets, "secrets.yaml", section, BackupLayout.AppFiles.AppSecrets, secret: true);
        return new BackupContents(artifacts, absent, [BackupLayout.AppFiles.VolumesDir]);

        void AddSection(YamlDocumentText? doc, string label, string[] path, string name, bool secret)
        {
            if (doc is null)
            {
                Absent(name, $"{label} does not exist");
                return;
            }
            var text = doc.ExtractValue(path);
            if (text is null) Absent(name, $"{label} has no section apps.{app.Name}");
            else artifacts.Add(BackupArtifact.FromBytes(name, Encoding.UTF8.GetBytes(text), secret));
        }

        void Absent(string name, string why)
        {
            absent.Add(name);
            warn($"{name} recorded as absent: {why}.");
        }
    }

    /// <summary>
    /// The cluster level, everything needed to rebuild the cluster: kubeconfig; <c>talos/generated/</c> (talosconfig, the
    /// Talos cluster PKI <c>secrets.yaml</c>, the base machine configs) as talos.tar.gz, and its talosconfig on its own as
    /// the design's <c>talosconfig</c>; config.yaml and secrets.yaml without apps; <c>setup/cluster-services/</c> (each
    /// service's templates and compiled kustomize tree) and <c>setup/cluster-nodes/</c> (each node's patches and final
    /// machine config). Every file holding credentials is stored 0600. A missing Talos PKI is recorded and warned about:
    /// without it the nodes cannot be re-created or re-joined.
    /// </summary>
    public static BackupContents ForCluster(InstanceSnapshot snapshot, Action<string> warn)
    {
        var instance = snapshot.Instance;
        var artifacts = new List<BackupArtifact>();
        var absent = new List<string>();
        AddFile(instance.KubeconfigPath, BackupLayout.ClusterFiles.Kubeconfig);
        if (!File.Exists(instance.TalosconfigPath) && File.Exists(instance.LegacyTalosconfigPath))
        {
            warn("talosconfig found at the instance root, not in talos/generated/ where Wild Cloud keeps it; backed up from there.");
            AddFile(instance.LegacyTalosconfigPath, BackupLayout.ClusterFiles.Talosconfig);
        }
        else AddFile(instance.TalosconfigPath, BackupLayout.ClusterFiles.Talosconfig);
        AddTree(instance.TalosGeneratedPath, BackupLayout.ClusterFiles.TalosArchive, "talos/generated");
        if (!File.Exists(instance.TalosSecretsPath))
        {
            absent.Add(BackupLayout.ClusterFiles.TalosPki);
            warn($"The Talos cluster PKI ({BackupLayout.ClusterFiles.TalosPki}) does not exist in the instance: this backup cannot re-create or re-join the cluster's nodes.");
        }
        AddWithoutApps(snapshot.Config, "config.yaml", BackupLayout.ClusterFiles.ClusterConfig, secret: false);
        AddWithoutApps(snapshot.Secrets, "secrets.yaml", BackupLayout.ClusterFiles.ClusterSecrets, secret: true);
        AddTree(instance.ClusterServicesPath, BackupLayout.ClusterFiles.SetupArchive, "setup/cluster-services");
        AddTree(instance.ClusterNodesPath, BackupLayout.ClusterFiles.NodesArchive, "setup/cluster-nodes");
        return new BackupContents(artifacts, absent, []);

        void AddTree(string dir, string name, string label)
        {
            if (Directory.Exists(dir)) artifacts.Add(Archive(name, dir, warn));
            else Absent(name, $"{label} does not exist");
        }

        void AddFile(string path, string name)
        {
            if (File.Exists(path)) artifacts.Add(BackupArtifact.FromBytes(name, File.ReadAllBytes(path), secret: true));
            else Absent(name, $"{name} does not exist in the instance");
        }

        void AddWithoutApps(YamlDocumentText? doc, string label, string name, bool secret)
        {
            if (doc is null)
            {
                Absent(name, $"{label} does not exist");
                return;
            }
            var text = doc.Remove(Apps).Text;
            artifacts.Add(BackupArtifact.FromBytes(name, Encoding.UTF8.GetBytes(text), secret));
        }

        void Absent(string name, string why)
        {
            absent.Add(name);
            warn($"{name} recorded as absent: {why}.");
        }
    }

    /// <summary>A directory archived as tar.gz while exporting; marked secret because compiled app trees can hold credentials.</summary>
    private static BackupArtifact Archive(string name, string dir, Action<string> warn) =>
        new(name, TarGzWriter.MeasureDirectory(dir), Secret: true, async (s, progress, ct) =>
        {
            await TarGzWriter.WriteDirectoryAsync(dir, s, skipped => warn($"{name}: skipped '{skipped}' (not a file, directory or link)."), progress, ct).ConfigureAwait(false);
        });
}
