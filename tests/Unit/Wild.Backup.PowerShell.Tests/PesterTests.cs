using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Xunit;

namespace Wild.Backup.PowerShell.Tests;

/// <summary>
/// Runs the Pester files in tests/Pester through PesterLite (tests/Pester/PesterLite.ps1) inside the real hosted
/// engine, one xunit case per file; every It must pass. The runner itself is checked against a fixture whose Its say
/// whether they must pass or fail, so a runner that passes everything would be caught.
/// </summary>
public sealed class PesterTests
{
    private static string PesterDir => Path.Combine(AppContext.BaseDirectory, "Pester");

    public static IEnumerable<object[]> Files =>
        Directory.EnumerateFiles(PesterDir, "*.Tests.ps1").Where(f => !f.EndsWith("RunnerSelfTest.Tests.ps1", StringComparison.Ordinal)).Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_It_passes(string file)
    {
        var results = Run(Path.Combine(PesterDir, file));
        Assert.NotEmpty(results);
        var failed = results.Where(r => !r.Passed).Select(r => $"{r.Path}: {r.Error}").ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {results.Count} failed:\n" + string.Join("\n", failed));
    }

    [Fact]
    public void The_runner_fails_what_should_fail_and_passes_what_should_pass()
    {
        var results = Run(Path.Combine(PesterDir, "RunnerSelfTest.Tests.ps1"));
        Assert.Equal(16, results.Count); // 8 passing (one It has two cases), 7 failing, 1 under a failing BeforeAll
        foreach (var r in results)
        {
            var name = r.Path[(r.Path.LastIndexOf(' ', r.Path.IndexOf(':', StringComparison.Ordinal)) + 1)..];
            var shouldPass = name.StartsWith("pass:", StringComparison.Ordinal);
            Assert.True(shouldPass == r.Passed, $"{r.Path}: expected {(shouldPass ? "pass" : "fail")}, got {(r.Passed ? "pass" : "fail")} ({r.Error})");
        }
        Assert.Contains(results, r => r.Path == "passing pass: 3 doubled is 6" && r.Passed);
        Assert.Contains(results, r => r.Path.EndsWith("fail: wrong value", StringComparison.Ordinal) && r.Error!.StartsWith("Expected 1 to be 2.", StringComparison.Ordinal));
        Assert.Contains(results, r => r.Error?.Contains("BeforeAll failed: setup broke", StringComparison.Ordinal) == true);
    }

    private sealed record ItResult(string Path, bool Passed, string? Error);

    private static List<ItResult> Run(string file)
    {
        Environment.SetEnvironmentVariable("WILDBACKUP_MODULE_PATH", Path.Combine(AppContext.BaseDirectory, "WildBackup.psd1"));
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(". $args[0]; Invoke-PesterLite -Path $args[1]").AddArgument(Path.Combine(PesterDir, "PesterLite.ps1")).AddArgument(file);
        var output = ps.Invoke();
        if (ps.HadErrors && output.Count == 0)
            throw new InvalidOperationException("PesterLite could not run: " + string.Join("\n", ps.Streams.Error));
        return output.Select(o => new ItResult((string)o.Properties["Path"].Value, (bool)o.Properties["Passed"].Value, o.Properties["Error"].Value as string)).ToList();
    }
}
