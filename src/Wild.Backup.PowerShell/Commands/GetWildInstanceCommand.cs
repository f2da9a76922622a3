using System.Management.Automation;
using Wild.Backup.Core.Instances;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Lists the Wild Cloud instances under the data dir (or on the server).</summary>
/// <remarks>
/// <para>Each directory under {DataDir}/instances is an instance. With -Server, the server's instances. A literal name
/// that is no instance is a non-terminating InstanceNotFound error.</para>
/// </remarks>
/// <example title="Every instance">
/// <code>Get-WildInstance</code>
/// <para>The instances under $env:WILD_DATA_DIR (else /var/lib/wild-cloud-central).</para>
/// </example>
/// <example title="Instances of another data dir">
/// <code>Get-WildInstance demo* -DataDir $env:WILD_DATA_DIR | Format-List</code>
/// <para>Instances whose name starts with demo, with their paths.</para>
/// </example>
/// <returns>Wild.Backup.Core.Instances.WildInstance objects: Name and Path.</returns>
/// <seealso cref="GetWildAppCommand"/>
[Cmdlet(VerbsCommon.Get, "WildInstance")]
[OutputType(typeof(WildInstance))]
public sealed class GetWildInstanceCommand : WildCmdlet
{
    /// <summary>Instance names; wildcards allowed. Tab-completes. Binds from the pipeline.</summary>
    /// <value>All instances</value>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(InstanceNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>The Wild Cloud data dir whose instances/ to list. Ignored with -Server.</summary>
    /// <value>$env:WILD_DATA_DIR, else /var/lib/wild-cloud-central</value>
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
