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

    public static BackupContents ForCluster(InstanceSnapshot snapshot, Action<string> warn)
    {
        var instance = snapshot.Instance;
        var artifacts = new List<BackupArtifact>();
        var absent = new List<string>();
        AddFile(instance.KubeconfigPath, BackupLayout.ClusterFiles.Kubeconfig);
        AddFile(instance.TalosconfigPath, BackupLayout.ClusterFiles.Talosconfig);
        AddWithoutApps(snapshot.Config, "config.yaml", BackupLayout.ClusterFiles.ClusterConfig, secret: false);
        AddWithoutApps(snapshot.Secrets, "secrets.yaml", BackupLayout.ClusterFiles.ClusterSecrets, secret: true);
        if (Directory.Exists(instance.ClusterServicesPath)) artifacts.Add(Archive(BackupLayout.ClusterFiles.SetupArchive, instance.ClusterServicesPath, warn));
        else Absent(BackupLayout.ClusterFiles.SetupArchive, "setup/cluster-services does not exist");
        return new BackupContents(artifacts, absent, []);

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
