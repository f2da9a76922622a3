using System.Management.Automation;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>Checks the backup storage: reachable, writable, free space, round-trip time.</summary>
/// <remarks>
/// <para>What to run first when something is wrong. Lists the destination's root, writes a probe file, makes it durable,
/// reads it back and deletes it, and reads total and free space and the round-trip time. Returns the result; each
/// problem is also a non-terminating error with its category and ErrorId (e.g. StorageUnreachable).</para>
/// </remarks>
/// <example title="Check the configured destination">
/// <code>Test-WildBackupDestination</code>
/// <para>Reachable, Writable, free space and latency of the instance's destination.</para>
/// </example>
/// <example title="Check a share before configuring it">
/// <code>Test-WildBackupDestination -Destination $env:WILD_BACKUP_DEST | Format-List</code>
/// <para>Every detail of the check of that destination.</para>
/// </example>
/// <returns>A Wild.Backup.Core.Storage.DestinationCheckResult.</returns>
/// <seealso cref="BackupWildAppCommand"/>
[Cmdlet(VerbsDiagnostic.Test, "WildBackupDestination")]
[OutputType(typeof(DestinationCheckResult))]
public sealed class TestWildBackupDestinationCommand : StorageCmdlet
{
    protected override void ProcessRecord()
    {
        base.ProcessRecord();
        var instance = InstanceName;
        var result = Call(ct => Service.CheckDestinationAsync(instance, ct), Destination);
        WriteObject(result);
        foreach (var p in result.Problems)
        {
            var ex = new WildBackupException(p.Kind ?? WildErrorKind.Unreachable, p.ErrorId, $"{p.Step}: {p.Message}", p.Detail) { Target = result.Location };
            WriteError(ErrorRecords.From(ex, result.Location));
        }
    }
}
