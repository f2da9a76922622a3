using System.Globalization;
using System.Text;

namespace Wild.Backup.Simulator.Nfs;

/// <summary>Renders ganesha.conf for one loopback NFSv3 export (the recipe in ../shared/notes/testbed.md).</summary>
internal static class GaneshaConfig
{
    /// <summary>Where Debian's nfs-ganesha-vfs puts the FSAL plugins.</summary>
    public static string PluginsDirectory =>
        new[] { "/usr/lib/x86_64-linux-gnu/ganesha", "/usr/lib/aarch64-linux-gnu/ganesha", "/usr/lib64/ganesha", "/usr/lib/ganesha" }
            .FirstOrDefault(Directory.Exists) ?? "/usr/lib/x86_64-linux-gnu/ganesha";

    public static string Render(GaneshaOptions o, int nfsPort, int mountPort, string recoveryRoot)
    {
        var inv = CultureInfo.InvariantCulture;
        var squash = o.Squash switch
        {
            GaneshaSquash.Root => "Root_Squash",
            GaneshaSquash.All => "All_Squash",
            _ => "No_Root_Squash",
        };
        var sb = new StringBuilder();
        sb.Append(inv, $$"""
            NFS_CORE_PARAM {
                Protocols = 3;
                Bind_addr = 127.0.0.1;
                NFS_Port = {{nfsPort}};
                MNT_Port = {{mountPort}};
                mount_path_pseudo = true;
                Enable_NLM = false;
                Enable_RQUOTA = false;
                Enable_UDP = false;
                Plugins_Dir = {{Quote(PluginsDirectory)}};
            }
            NFSv4 { Graceless = true; RecoveryRoot = {{Quote(recoveryRoot)}}; Only_Numeric_Owners = true; }
            MDCACHE { Dir_Chunk = 0; }
            EXPORT {
                Export_Id = 1;
                Path = {{Quote(o.ExportDirectory)}};
                Pseudo = {{Quote(o.Pseudo)}};
                Squash = {{squash}};
                Anonymous_Uid = {{o.AnonymousUid}};
                Anonymous_Gid = {{o.AnonymousGid}};
                SecType = sys;
                Protocols = 3;
                Transports = TCP;
                Attr_Expiration_Time = 0;
                PrivilegedPort = {{(o.PrivilegedPortsOnly ? "true" : "false")}};
                FSAL { Name = VFS; }

            """);
        if (o.AllowedClients is { } clients)
        {
            sb.Append("    Access_Type = None;\n");
            if (clients.Count > 0) sb.Append(inv, $"    CLIENT {{ Clients = {string.Join(", ", clients)}; Access_Type = RW; }}\n");
        }
        else
        {
            sb.Append("    Access_Type = RW;\n");
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    private static string Quote(string value)
    {
        if (value.Contains('"') || value.Contains('\n')) throw new ArgumentException($"'{value}' cannot go into ganesha.conf");
        return "\"" + value + "\"";
    }
}
