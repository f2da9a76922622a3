using System.Globalization;

namespace Wild.Backup.Simulator.Hosting;

/// <summary>Command-line arguments of the simulator host (all parsing lives here).</summary>
internal sealed class HostArguments
{
    public string KubeconfigPath { get; private set; } = Path.Combine(Directory.GetCurrentDirectory(), "kubeconfig");

    public int Port { get; private set; }

    public bool UseToken { get; private set; }

    public bool Http { get; private set; }

    public bool Verbose { get; private set; }

    public bool ShowHelp { get; private set; }

    /// <summary>Run Longhorn (CRDs, controllers, provisioner); on unless <c>--no-longhorn</c>.</summary>
    public bool Longhorn { get; private set; } = true;

    /// <summary>A plain directory for the backup target (no NFS server); null: a temporary one.</summary>
    public string? BackupDirectory { get; private set; }

    /// <summary>Serve this directory with NFS-Ganesha and make it the backup target.</summary>
    public string? NfsExport { get; private set; }

    /// <summary>NFS port for Ganesha (0: a free one).</summary>
    public int NfsPort { get; private set; }

    /// <summary>Where Longhorn volume files go; null: a temporary directory.</summary>
    public string? LonghornDataDirectory { get; private set; }

    /// <summary>The default BackupTarget's poll interval.</summary>
    public TimeSpan PollInterval { get; private set; } = TimeSpan.FromMinutes(5);

    /// <summary>The Longhorn release to behave like (<c>--longhorn-version</c>); 1.8 as Wild Cloud.</summary>
    public Simulator.Longhorn.LonghornVersion LonghornVersion { get; private set; } = Simulator.Longhorn.LonghornVersion.Default;

    /// <summary>Longhorn's clock minus this machine's (<c>--clock-skew</c>).</summary>
    public TimeSpan ClockSkew { get; private set; }

    public static string Usage =>
        """
        Usage: wild-simulator [options]

        Starts a simulated Talos + Kubernetes + Longhorn cluster on 127.0.0.1 and writes a kubeconfig.

        Options:
          --kubeconfig PATH   where to write the kubeconfig (default: ./kubeconfig)
          --port N            API server port (default: a free port)
          --token             authenticate with a bearer token instead of a client certificate
          --http              serve plain HTTP instead of HTTPS (implies --token)
          --verbose           log every request and controller warnings
          -h, --help          show this help

        Longhorn (on by default):
          --longhorn              run Longhorn: CRDs, webhooks, controllers, driver.longhorn.io (the default)
          --no-longhorn           a bare Kubernetes cluster (claims get CSI volumes with nothing behind them)
          --nfs-export DIR        serve DIR with NFS-Ganesha on 127.0.0.1 and make it the backup target (needs root)
          --nfs-port N            Ganesha's NFS port (default: a free port)
          --backup-dir DIR        a plain directory as the backup target, no NFS server (default: a temporary one)
          --longhorn-data DIR     where volume files go (default: a temporary directory)
          --poll-interval D       the backup target's poll interval, e.g. 30s or 5m0s (default: 5m0s, as Longhorn)
          --longhorn-version V    behave like Longhorn 1.7, 1.8, 1.9 or 1.10 (default: 1.8, as Wild Cloud)
          --clock-skew D          Longhorn's clock runs D ahead of this machine's, e.g. 90s; -90s: behind (default: 0s)
        """;

    /// <summary>Parses arguments; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static HostArguments Parse(IReadOnlyList<string> args)
    {
        var result = new HostArguments();
        for (var i = 0; i < args.Count; i++)
        {
            string Value()
            {
                if (i + 1 >= args.Count) throw new ArgumentException($"{args[i]} needs a value");
                return args[++i];
            }
            switch (args[i])
            {
                case "--kubeconfig":
                    result.KubeconfigPath = Path.GetFullPath(Value());
                    break;
                case "--port":
                    result.Port = ParsePort("--port", Value());
                    break;
                case "--token":
                    result.UseToken = true;
                    break;
                case "--http":
                    result.Http = true;
                    result.UseToken = true;
                    break;
                case "--verbose":
                    result.Verbose = true;
                    break;
                case "-h" or "--help":
                    result.ShowHelp = true;
                    break;
                case "--longhorn":
                    result.Longhorn = true;
                    break;
                case "--no-longhorn":
                    result.Longhorn = false;
                    break;
                case "--nfs-export":
                    result.NfsExport = Path.GetFullPath(Value());
                    break;
                case "--nfs-port":
                    result.NfsPort = ParsePort("--nfs-port", Value());
                    break;
                case "--backup-dir":
                    result.BackupDirectory = Path.GetFullPath(Value());
                    break;
                case "--longhorn-data":
                    result.LonghornDataDirectory = Path.GetFullPath(Value());
                    break;
                case "--poll-interval":
                    var interval = Value();
                    if (!Simulator.Longhorn.Kube.GoDuration.TryParse(interval, out var d)) throw new ArgumentException($"--poll-interval: \"{interval}\" is not a duration (e.g. 30s, 5m0s)");
                    result.PollInterval = d;
                    break;
                case "--longhorn-version":
                    result.LonghornVersion = Simulator.Longhorn.LonghornVersion.Parse(Value());
                    break;
                case "--clock-skew":
                    var skew = Value();
                    var behind = skew.StartsWith('-');
                    if (!Simulator.Longhorn.Kube.GoDuration.TryParse(behind ? skew[1..] : skew, out var s)) throw new ArgumentException($"--clock-skew: \"{skew}\" is not a duration (e.g. 90s, -2m0s)");
                    result.ClockSkew = behind ? -s : s;
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (result.NfsExport is not null && result.BackupDirectory is not null)
            throw new ArgumentException("--nfs-export and --backup-dir both name the backup target's directory; give one");
        if (!result.Longhorn && ((result.NfsExport ?? result.BackupDirectory ?? result.LonghornDataDirectory) is not null || result.LonghornVersion != Simulator.Longhorn.LonghornVersion.Default || result.ClockSkew != TimeSpan.Zero))
            throw new ArgumentException("--no-longhorn cannot be combined with --nfs-export, --backup-dir, --longhorn-data, --longhorn-version or --clock-skew");
        if (result.NfsPort != 0 && result.NfsExport is null) throw new ArgumentException("--nfs-port needs --nfs-export");
        return result;
    }

    private static int ParsePort(string option, string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"{option}: \"{text}\" is not a port number");
        }
        return port;
    }
}
