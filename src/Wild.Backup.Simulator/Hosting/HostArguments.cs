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
                    var text = Value();
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        throw new ArgumentException($"--port: \"{text}\" is not a port number");
                    }
                    result.Port = port;
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
                default:
                    throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        return result;
    }
}
