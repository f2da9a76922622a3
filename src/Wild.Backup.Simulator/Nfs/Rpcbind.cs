namespace Wild.Backup.Simulator.Nfs;

/// <summary>
/// NFS-Ganesha will not serve NFSv3 unless rpcbind runs (it registers there at start). rpcbind is a machine-wide
/// service on port 111: started here once if nothing answers, as a daemon, and left running like the system service it is.
/// </summary>
internal static class Rpcbind
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureRunningAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (await AnswersAsync(ct).ConfigureAwait(false)) return;
            // -s: run as user "daemon". Debian's rpcbind otherwise switches to "_rpc", a user its package
            // scripts create; with -s it also works where the package was unpacked but never configured.
            var start = await ProcessRunner.RunAsync("rpcbind", ["-s"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            for (var i = 0; i < 50; i++)
            {
                if (await AnswersAsync(ct).ConfigureAwait(false)) return;
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
            throw new InvalidOperationException(
                $"rpcbind is not running and could not be started (exit {start.ExitCode}: {start.Output}). NFSv3 needs it: apt-get install rpcbind, then run 'rpcbind -s' as root.");
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<bool> AnswersAsync(CancellationToken ct) =>
        (await ProcessRunner.RunAsync("rpcinfo", ["-p", "127.0.0.1"], TimeSpan.FromSeconds(5), ct).ConfigureAwait(false)).Ok;
}
