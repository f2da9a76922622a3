using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Re-verifies stored backups against their backup.json (every file present, of its size and SHA-256, nothing
/// unrecorded). Emits a result per backup; a damaged backup is also a non-terminating error naming its files.
/// With neither -Name nor -Cluster, tests every backup of the instance.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "WildBackup", DefaultParameterSetName = "All")]
[OutputType(typeof(BackupTestResult))]
public sealed class TestWildBackupCommand : StorageCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Apps")]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = "Cluster")]
    public SwitchParameter Cluster { get; set; }

    /// <summary>Set from piped BackupInfo objects: a cluster backup is tested as the cluster, not as an app named "cluster".</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Apps", DontShow = true)]
    public BackupKind? Kind { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? FromInstance { get; set; }

    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var cluster = Cluster.IsPresent || Kind == BackupKind.Cluster;
        IReadOnlyList<string>? apps = ParameterSetName == "Apps" && !cluster ? Name : null;
        RunOperation(new TestBackupsRequest(InstanceName, apps, cluster, FromInstance), item =>
        {
            var r = OperationResults.FromNode<BackupTestResult>(item)!;
            WriteObject(r);
            if (!r.Passed)
            {
                var what = r.Kind == BackupKind.Cluster ? "the cluster" : $"app '{r.Name}'";
                WriteError(ErrorRecords.From(new CorruptBackupException("BackupDamaged", $"The backup of {what} at {r.Location} is damaged: {string.Join("; ", r.Problems)}") { Target = r.Name }, r));
            }
        });
    }
}
