using System.ComponentModel;
using System.Diagnostics;
using Xunit.Sdk;

namespace Wild.Backup.Core.Tests.Longhorn.Support;

/// <summary>
/// Runs Debian's reference tools (lz4, gzip, sha512sum, qemu-img) on what the code wrote. A missing tool FAILS the test
/// with the package to install; nothing is skipped.
/// </summary>
public static class ExternalTool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="file"/> and returns its stdout; fails the test on a non-zero exit or a timeout.</summary>
    public static async Task<byte[]> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new XunitException($"{file} did not start");
        }
        catch (Win32Exception ex)
        {
            throw new XunitException($"'{file}' is not installed ({ex.Message}); install Debian's lz4, gzip, coreutils and qemu-utils (tests/run-all.sh does, as root).");
        }
        using (p)
        {
            using var cts = new CancellationTokenSource(Timeout);
            using var stdout = new MemoryStream();
            var copy = p.StandardOutput.BaseStream.CopyToAsync(stdout, cts.Token);
            var stderr = p.StandardError.ReadToEndAsync(cts.Token);
            try
            {
                await p.WaitForExitAsync(cts.Token);
                await copy;
            }
            catch (OperationCanceledException)
            {
                p.Kill(entireProcessTree: true);
                throw new XunitException($"{file} {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds} s");
            }
            if (p.ExitCode != 0) throw new XunitException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
            return stdout.ToArray();
        }
    }

    /// <summary>Decompresses a .blk with Debian's tool for <paramref name="method"/> (lz4 -d / gzip -d, to stdout).</summary>
    public static Task<byte[]> DecompressAsync(string method, string blkPath) => method switch
    {
        "lz4" => RunAsync("lz4", "-d", "-c", blkPath),
        "gzip" => RunAsync("gzip", "-d", "-c", blkPath),
        "none" => File.ReadAllBytesAsync(blkPath),
        _ => throw new XunitException($"unknown method {method}"),
    };

    /// <summary>sha512sum of a file, cut to Longhorn's 64 characters.</summary>
    public static async Task<string> Sha512PrefixAsync(string path)
    {
        var output = System.Text.Encoding.ASCII.GetString(await RunAsync("sha512sum", "-b", path));
        return output.Split(' ')[0][..64];
    }
}
