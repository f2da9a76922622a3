using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Wild.Backup.PowerShell.Tests.Support;

/// <summary>
/// The real PowerShell engine (System.Management.Automation 7.6.9) hosted in-process with the WildBackup module
/// imported from its manifest, the way a user's pwsh would load it.
/// </summary>
public sealed class ModuleSession : IDisposable
{
    public static string ModuleManifest => Path.Combine(AppContext.BaseDirectory, "WildBackup.psd1");

    private readonly Runspace _runspace;

    public ModuleSession()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(ModuleManifest);
        Host = new TestHost();
        _runspace = RunspaceFactory.CreateRunspace(Host, iss);
        _runspace.Open();
    }

    public TestHost Host { get; }

    /// <summary>A PowerShell pipeline on this session's runspace, with <paramref name="script"/> added.</summary>
    public System.Management.Automation.PowerShell Create(string script)
    {
        var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        return ps;
    }

    /// <summary>Runs a script and returns its output plus the pipeline (for its streams).</summary>
    public (Collection<PSObject> Output, System.Management.Automation.PowerShell Ps) Invoke(string script, IDictionary<string, object?>? variables = null)
    {
        if (variables is not null)
        {
            foreach (var (k, v) in variables) _runspace.SessionStateProxy.SetVariable(k, v);
        }
        var ps = Create(script);
        var output = ps.Invoke();
        return (output, ps);
    }

    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    public void Dispose() => _runspace.Dispose();
}
