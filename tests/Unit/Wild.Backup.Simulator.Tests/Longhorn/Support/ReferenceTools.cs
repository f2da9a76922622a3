using System.ComponentModel;
using System.Diagnostics;
using Xunit.Sdk;

namespace Wild.Backup.Simulator.Tests.Longhorn.Support;

/// <summary>Debian's lz4 / gzip / sha512sum run on what the simulator wrote. Missing tools FAIL the test.</summary>
public static class ReferenceTools
{
    public static async Task<byte[]> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (Win32Exception ex)
        {
            throw new XunitException($"'{file}' is not installed ({ex.Message}): apt-get install -y lz4 gzip coreutils");
        }
        using (p)
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var output = new MemoryStream();
            var copy = p.StandardOutput.BaseStream.CopyToAsync(output, cts.Token);
            var errors = p.StandardError.ReadToEndAsync(cts.Token);
            await p.WaitForExitAsync(cts.Token);
            await copy;
            if (p.ExitCode != 0) throw new XunitException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {await errors}");
            return output.ToArray();
        }
    }

    /// <summary>The block's content as Debian's tool decompresses it, and sha512sum of that content cut to 64 hex characters.</summary>
    public static async Task<(long Length, string Sha512Prefix)> DecodeAndHashAsync(string method, string blk)
    {
        var plain = blk + ".plain";
        var bytes = method switch
        {
            "lz4" => await RunAsync("lz4", "-d", "-c", blk),
            "gzip" => await RunAsync("gzip", "-d", "-c", blk),
            _ => await File.ReadAllBytesAsync(blk),
        };
        await File.WriteAllBytesAsync(plain, bytes);
        try
        {
            var sum = System.Text.Encoding.ASCII.GetString(await RunAsync("sha512sum", "-b", plain));
            return (bytes.Length, sum[..64]);
        }
        finally
        {
            File.Delete(plain);
        }
    }
}
