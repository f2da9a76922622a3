using System.Management.Automation;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.PowerShell.Infrastructure;

/// <summary>The one place engine errors become ErrorRecords: category from the error's kind, its stable ErrorId,
/// its target. Detail goes into ErrorDetails' recommended action only when it is safe (engine details never hold secrets).</summary>
public static class ErrorRecords
{
    public static ErrorCategory CategoryOf(WildErrorKind kind) => kind switch
    {
        WildErrorKind.Invalid => ErrorCategory.InvalidArgument,
        WildErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        WildErrorKind.Conflict => ErrorCategory.ResourceBusy,
        WildErrorKind.Unreachable => ErrorCategory.ConnectionError,
        WildErrorKind.NoSpace => ErrorCategory.LimitsExceeded,
        WildErrorKind.Corrupt => ErrorCategory.InvalidData,
        WildErrorKind.Timeout => ErrorCategory.OperationTimeout,
        _ => ErrorCategory.NotSpecified,
    };

    public static bool IsEngineError(Exception ex) => ex is WildBackupException or IOException or UnauthorizedAccessException;

    public static ErrorRecord From(Exception ex, object? target)
    {
        if (ex is AggregateException { InnerExceptions.Count: 1 } agg) ex = agg.InnerExceptions[0];
        var record = ex switch
        {
            WildBackupException w => new ErrorRecord(w, w.ErrorId, CategoryOf(w.Kind), target ?? w.Target),
            UnauthorizedAccessException => new ErrorRecord(ex, "AccessDenied", ErrorCategory.PermissionDenied, target),
            IOException => new ErrorRecord(ex, "IOError", ErrorCategory.WriteError, target),
            _ => new ErrorRecord(ex, "UnexpectedError", ErrorCategory.NotSpecified, target),
        };
        if (ex is WildBackupException { Detail: { Length: > 0 } detail })
        {
            record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = detail };
        }
        return record;
    }
}
