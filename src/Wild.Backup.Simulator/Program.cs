// Host for running the simulated cluster by hand. See docs/TESTING.md.
using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Hosting;
using Wild.Backup.Simulator.Security;

HostArguments arguments;
try
{
    arguments = HostArguments.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"wild-simulator: {e.Message}");
    Console.Error.WriteLine(HostArguments.Usage);
    return 2;
}
if (arguments.ShowHelp)
{
    Console.WriteLine(HostArguments.Usage);
    return 0;
}

using var loggerFactory = LoggerFactory.Create(b => b
    .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
    .SetMinimumLevel(arguments.Verbose ? LogLevel.Information : LogLevel.Warning));
var options = new SimulatedClusterOptions
{
    Port = arguments.Port,
    UseHttps = !arguments.Http,
    LoggerFactory = loggerFactory,
    LogRequests = arguments.Verbose,
};

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    stop.Cancel();
});

await using var cluster = await SimulatedCluster.StartAsync(options, stop.Token);
cluster.WriteKubeconfig(arguments.KubeconfigPath, arguments.UseToken ? KubeconfigCredential.Token : KubeconfigCredential.ClientCertificate);
Console.WriteLine($"Simulated cluster \"{options.ClusterName}\" (Kubernetes {options.KubernetesVersion}, Talos {options.TalosVersion}) is running at {cluster.BaseUri}");
Console.WriteLine($"Kubeconfig: {arguments.KubeconfigPath}");
Console.WriteLine();
Console.WriteLine("Use it with:");
Console.WriteLine($"  export KUBECONFIG={arguments.KubeconfigPath}");
Console.WriteLine("  kubectl get nodes");
Console.WriteLine("  Import-Module WildBackup   # then the cmdlets read the same kubeconfig");
Console.WriteLine();
Console.WriteLine("Press Ctrl-C to stop.");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}
Console.WriteLine("Stopping…");
return 0;
