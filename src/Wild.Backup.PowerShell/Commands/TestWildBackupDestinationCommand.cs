using System.Management.Automation;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Storage;
using Wild.Backup.PowerShell.Infrastructure;

namespace Wild.Backup.PowerShell.Commands;

/// <summary>
/// Checks the instance's backup storage — what to run first when something is wrong: reachable, writable (a probe file
/// written, made durable, read back and deleted), total and free space, round-trip time. Emits the result; each problem
/// is also a non-terminating error with its kind's category and ErrorId.
/// </summary>
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
