using System.Diagnostics;
using Wild.Backup.Core.Progress;
using Wild.Backup.Testing;
using Wild.Backup.Core.Storage;

namespace Wild.Backup.Core.Tests.Support;

/// <summary>
/// The test assembly's entry point doubles as a crash child: <c>dotnet Wild.Backup.Core.Tests.dll crash-child
/// {dataDir} {destination} {app|cluster} {killAtStep}</c> runs one backup through the real engine and SIGKILLs itself
/// at the given store step (0: never; prints the number of steps instead). See CrashSafetyTests.
/// </summary>
public static class CrashChild
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 5 || args[0] != "crash-child")
        {
            Console.Error.WriteLine("This assembly holds tests; run it with dotnet test. (crash-child mode: crash-child DATADIR DEST TARGET STEP)");
            return 2;
        }
        var (dataDir, destination, target, killAt) = (args[1], args[2], args[3], long.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture));
        FaultyStore? store = null;
        var engine = new WildBackupEngine(new EngineOptions
        {
            OpenStore = d =>
            {
                store = new FaultyStore(StoreFactory.Open(d, RetryPolicy.None))
                {
                    OnStep = (n, op, path) =>
                    {
                        if (n == killAt)
                        {
                            Console.Out.WriteLine($"killed at step {n}: {op} {path}");
                            Console.Out.Flush();
                            Process.GetCurrentProcess().Kill();
                            Thread.Sleep(Timeout.Infinite);
                        }
                    },
                };
                return store;
            },
        });
        var selector = new InstanceSelector(dataDir, null, destination);
        if (target == "cluster") await engine.BackupClusterAsync(selector, NullObserver.Instance, CancellationToken.None);
        else await engine.BackupAppAsync(selector, target, NullObserver.Instance, CancellationToken.None);
        Console.Out.WriteLine($"steps {store!.Steps}");
        return 0;
    }
}
