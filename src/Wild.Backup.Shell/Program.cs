using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Wild.Backup.Shell;

// wild-shell [-Command <script>] [-File <path> [args]] [demo [-Out DIR] [-LonghornVersion 1.7|1.8|1.9|1.10]]
// Hosts the real PowerShell engine with WildBackup imported. No arguments: the built-in demo.
var moduleManifest = Path.Combine(AppContext.BaseDirectory, "WildBackup.psd1");
var iss = InitialSessionState.CreateDefault2();
iss.ImportPSModule(moduleManifest);
var host = new ConsoleHost();
using var runspace = RunspaceFactory.CreateRunspace(host, iss);
runspace.Open();
using var ps = PowerShell.Create();
ps.Runspace = runspace;

switch (args)
{
    case ["-Command" or "-c", .. var rest]:
        ps.AddScript(string.Join(' ', rest)).AddCommand("Out-Default");
        break;
    case ["-File" or "-f", var file, .. var rest]:
        ps.AddCommand(Path.GetFullPath(file));
        foreach (var a in rest) ps.AddArgument(a);
        ps.AddCommand("Out-Default");
        break;
    case [] or ["demo", ..]:
        ps.AddCommand(Path.Combine(AppContext.BaseDirectory, "demo.ps1"));
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "-Out") ps.AddParameter("Out", Path.GetFullPath(args[i + 1]));
            else if (args[i] == "-LonghornVersion") ps.AddParameter("LonghornVersion", args[i + 1]);
        }
        ps.AddCommand("Out-Default");
        break;
    default:
        Console.Error.WriteLine("usage: wild-shell [-Command <script> | -File <path> [args] | demo [-Out DIR] [-LonghornVersion 1.7|1.8|1.9|1.10]]");
        return 2;
}

Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    ps.BeginStop(null, null); // StopProcessing → the engine's CancellationToken
};
try
{
    ps.Invoke();
}
catch (PipelineStoppedException)
{
    return 130;
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine(ex.ErrorRecord.ToString());
    return 1;
}
foreach (var e in ps.Streams.Error) Console.Error.WriteLine(e.ToString());
return ps.HadErrors ? 1 : 0;
