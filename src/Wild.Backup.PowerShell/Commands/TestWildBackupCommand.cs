using System.Management.Automation;
using Wild.Backup.Client;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Operations;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Re-verifies stored backups against their backup.json.</summary>
/// <remarks>
/// <para>Reads every file back and checks it is present, of its recorded size and SHA-256, and that nothing unrecorded
/// is there. Returns a result per backup; a damaged backup is also a non-terminating BackupDamaged error naming its
/// files. With neither -Name nor -Cluster, tests every backup of the instance. Piped BackupInfo objects (Get-WildBackup)
/// are tested as what they are, the cluster backup included.</para>
/// </remarks>
/// <example title="Test every backup">
/// <code>Get-WildBackup | Test-WildBackup</code>
/// <para>One result per backup: Passed, and the problems found.</para>
/// </example>
/// <example title="Only some">
/// <code>Test-WildBackup redis, gitea; Test-WildBackup -Cluster</code>
/// <para>Tests two apps' backups, then the cluster's.</para>
/// </example>
/// <example title="Fail a script on damage">
/// <code>Test-WildBackup -ErrorAction Stop | Out-Null</code>
/// <para>The first damaged backup stops the script with its BackupDamaged error.</para>
/// </example>
/// <returns>One Wild.Backup.Core.Backups.BackupTestResult per backup tested.</returns>
/// <seealso cref="GetWildBackupCommand"/>
/// <seealso cref="BackupWildAppCommand"/>
[Cmdlet(VerbsDiagnostic.Test, "WildBackup", DefaultParameterSetName = "All")]
[OutputType(typeof(BackupTestResult))]
public sealed class TestWildBackupCommand : StorageCmdlet
{
    /// <summary>The apps whose backups to test. Binds from the pipeline, by value or from the Name property. Tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Apps")]
    [ArgumentCompleter(typeof(AppNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Test the cluster backup.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Cluster")]
    public SwitchParameter Cluster { get; set; }

    /// <summary>Set from piped BackupInfo objects: a cluster backup is tested as the cluster, not as an app named "cluster".</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = "Apps", DontShow = true)]
    public BackupKind? Kind { get; set; }

    /// <summary>Test the backups of this other instance on the same storage.</summary>
    /// <value>The instance itself</value>
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
