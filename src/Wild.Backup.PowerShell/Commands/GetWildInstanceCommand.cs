using System.Management.Automation;
using Wild.Backup.Core.Instances;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Lists the Wild Cloud instances under the data dir (or on the server).</summary>
[Cmdlet(VerbsCommon.Get, "WildInstance")]
[OutputType(typeof(WildInstance))]
public sealed class GetWildInstanceCommand : WildCmdlet
{
    /// <summary>Instance names; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DataDir { get; set; }

    protected override string? LocalDataDir => DataDir;

    protected override void ProcessRecord()
    {
        var all = Call(ct => Service.GetInstancesAsync(ct), DataDir);
        foreach (var (pattern, instances) in NameFilter.Apply(Name, all, i => i.Name))
        {
            if (instances.Count == 0)
            {
                WriteError(ErrorRecords.From(new Core.Errors.NotFoundException("InstanceNotFound", $"Instance '{WildName.Show(pattern)}' not found."), pattern));
            }
            foreach (var i in instances) WriteObject(i);
        }
    }
}
