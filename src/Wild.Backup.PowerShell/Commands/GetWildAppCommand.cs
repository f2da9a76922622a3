using System.Management.Automation;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Lists the apps deployed in an instance (its apps/ directories), with their dependencies.</summary>
[Cmdlet(VerbsCommon.Get, "WildApp")]
[OutputType(typeof(WildApp))]
public sealed class GetWildAppCommand : InstanceCmdlet
{
    /// <summary>App names; wildcards allowed.</summary>
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
            foreach (var a in matches) WriteObject(a);
        }
    }
}
