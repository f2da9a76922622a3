using System.Text;

namespace Wild.Backup.Simulator.Security;

/// <summary>How a kubeconfig authenticates.</summary>
public enum KubeconfigCredential
{
    /// <summary>An admin client certificate and key (as Talos writes them).</summary>
    ClientCertificate,

    /// <summary>A bearer token.</summary>
    Token,
}

/// <summary>Writes kubeconfig files in the shape talosctl produces (cluster, context admin@cluster, user).</summary>
internal static class Kubeconfig
{
    public static string Render(string clusterName, Uri server, string? caPem, KubeconfigCredential credential,
        string clientCertPem, string clientKeyPem, string token, string defaultNamespace = "default")
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));
        var user = $"admin@{clusterName}";
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\n");
        sb.Append("kind: Config\n");
        sb.Append("clusters:\n");
        sb.Append("- name: ").Append(clusterName).Append('\n');
        sb.Append("  cluster:\n");
        sb.Append("    server: ").Append(server.GetLeftPart(UriPartial.Authority)).Append('\n');
        if (caPem is not null) sb.Append("    certificate-authority-data: ").Append(B64(caPem)).Append('\n');
        sb.Append("contexts:\n");
        sb.Append("- name: ").Append(user).Append('\n');
        sb.Append("  context:\n");
        sb.Append("    cluster: ").Append(clusterName).Append('\n');
        sb.Append("    namespace: ").Append(defaultNamespace).Append('\n');
        sb.Append("    user: ").Append(user).Append('\n');
        sb.Append("current-context: ").Append(user).Append('\n');
        sb.Append("users:\n");
        sb.Append("- name: ").Append(user).Append('\n');
        sb.Append("  user:\n");
        if (credential == KubeconfigCredential.Token)
        {
            sb.Append("    token: ").Append(token).Append('\n');
        }
        else
        {
            sb.Append("    client-certificate-data: ").Append(B64(clientCertPem)).Append('\n');
            sb.Append("    client-key-data: ").Append(B64(clientKeyPem)).Append('\n');
        }
        sb.Append("preferences: {}\n");
        return sb.ToString();
    }

    /// <summary>Writes the file readable by the owner only (it holds credentials).</summary>
    public static void Write(string path, string content)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(full, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(content);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
