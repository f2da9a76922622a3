using System.Diagnostics;
using System.Globalization;

namespace Wild.Backup.Core.Tests.Support;

/// <summary>The bytes a file takes on disk (coreutils <c>stat -c '%b %B'</c>): how a test sees that a hole stayed a hole.</summary>
public static class FileAllocation
{
    public static long Of(string path)
    {
        var psi = new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("stat did not start");
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"stat {path}: {p.StandardError.ReadToEnd()}");
        var parts = output.Split(' ');
        return long.Parse(parts[0], CultureInfo.InvariantCulture) * long.Parse(parts[1], CultureInfo.InvariantCulture);
    }
}
