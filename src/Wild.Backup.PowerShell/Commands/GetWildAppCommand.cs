using System.Management.Automation;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Lists the apps of a Wild Cloud instance, with their namespace and the apps they require.</summary>
/// <remarks>
/// <para>Reads the instance's apps/ directories (each with its manifest.yaml). An app's name is its directory's name;
/// the blue-green copies {app}-restore and {app}-old are not apps. What is odd about an app's files — a manifest naming
/// another app (open-webui's says openWebui), one copied unrendered or not strict YAML — is a warning, never a reason to
/// leave the app out. The namespace shown is the one the app lives in (after a blue-green switch, {app}-restore). A
/// literal name that is no app is a non-terminating AppNotFound error; a wildcard that matches nothing returns
/// nothing.</para>
/// </remarks>
/// <example title="Every app">
/// <code>Get-WildApp</code>
/// <para>Lists the apps of the only instance under the data dir.</para>
/// <para>This is the WildApp table view: Name, Namespace, Requires, Version.</para>
/// </example>
/// <example title="Apps by wildcard, and what they need">
/// <code>Get-WildApp g*, immich | Select-Object Name, Requires</code>
/// <para>gitea (and any other app starting with g) and immich, with the apps they require.</para>
/// </example>
/// <returns>Wild.Backup.Core.Instances.WildApp objects: Name, Instance, Namespace, Requires, Version, Path, Warnings.</returns>
/// <seealso cref="BackupWildAppCommand"/>
/// <seealso cref="GetWildInstanceCommand"/>
[Cmdlet(VerbsCommon.Get, "WildApp")]
[OutputType(typeof(WildApp))]
public sealed class GetWildAppCommand : InstanceCmdlet
{
    /// <summary>App names; wildcards allowed. Tab-completes.</summary>
    /// <value>All apps</value>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var apps = Call(ct => Service.GetAppsAsync(instance, ct), Instance);
        foreach (var (pattern, matches) in NameFilter.Apply(Name, apps, a => a.Name))
        {
            if (matches.Count == 0)
            {
                WriteError(ErrorRecords.From(new NotFoundException("AppNotFound", $"App '{WildName.Show(pattern)}' not found in instance '{instance}'."), pattern));
            }
            foreach (var a in matches)
            {
                foreach (var warning in a.Warnings) WriteWarning(warning);
                WriteObject(a);
            }
        }
    }
}
