// Host for running the simulated cluster by hand. See docs/TESTING.md.
using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Hosting;

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

SimulatorHost host;
try
{
    host = await SimulatorHost.StartAsync(arguments, loggerFactory, stop.Token);
}
catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException or Wild.Backup.Simulator.Nfs.GaneshaStartException or Wild.Backup.Core.Errors.WildBackupException)
{
    Console.Error.WriteLine($"wild-simulator: cannot start: {e.Message}");
    return 1;
}
await using (host)
{
    foreach (var line in host.Describe()) Console.WriteLine(line);
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
}
return 0;
