namespace Wild.Backup.Core.Errors;

/// <summary>
/// The few kinds of failure a user can act on. Front ends map a kind to an ErrorRecord
/// category (PowerShell) or an HTTP status in exactly one place each.
/// </summary>
public enum WildErrorKind
{
    /// <summary>Bad input: a name, a path, a request body, a value out of range.</summary>
    Invalid,
    /// <summary>An instance, app, backup, operation or object that does not exist.</summary>
    NotFound,
    /// <summary>Something else holds the target: a lock, a running operation, an existing object.</summary>
    Conflict,
    /// <summary>Backup storage (or the cluster) cannot be reached.</summary>
    Unreachable,
    /// <summary>Not enough space on backup storage.</summary>
    NoSpace,
    /// <summary>Stored data does not match what was recorded (checksum, missing file, bad format).</summary>
    Corrupt,
    /// <summary>A wait ran out of time.</summary>
    Timeout,
}

/// <summary>
/// Base of every error the engine raises on purpose. <see cref="Exception.Message"/> is what a person
/// reads: short, actionable, never a secret. <see cref="Detail"/> carries technical context for
/// verbose output and operation records; it must not contain secrets either.
/// </summary>
public class WildBackupException : Exception
{
    public WildBackupException(WildErrorKind kind, string errorId, string message, string? detail = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ErrorId = errorId;
        Detail = detail;
    }

    public WildErrorKind Kind { get; }

    /// <summary>Stable identifier (e.g. <c>AppNotFound</c>) for scripts and the API's error code.</summary>
    public string ErrorId { get; }

    /// <summary>Technical detail for -Verbose / logs. No secrets.</summary>
    public string? Detail { get; }

    /// <summary>The object the error is about (an app name, a path inside the store), when there is one.</summary>
    public string? Target { get; init; }
}

public sealed class InvalidInputException(string errorId, string message, string? detail = null, Exception? inner = null)
    : WildBackupException(WildErrorKind.Invalid, errorId, message, detail, inner);

public sealed class NotFoundException(string errorId, string message, string? detail = null, Exception? inner = null)
    : WildBackupException(WildErrorKind.NotFound, errorId, message, detail, inner);

public sealed class ConflictException(string errorId, string message, string? detail = null, Exception? inner = null)
    : WildBackupException(WildErrorKind.Conflict, errorId, message, detail, inner);

public sealed class CorruptBackupException(string errorId, string message, string? detail = null, Exception? inner = null)
    : WildBackupException(WildErrorKind.Corrupt, errorId, message, detail, inner);

public sealed class WildTimeoutException(string errorId, string message, string? detail = null, Exception? inner = null)
    : WildBackupException(WildErrorKind.Timeout, errorId, message, detail, inner);

/// <summary>Backup storage is missing, unmounted, unreadable or does not answer.</summary>
public sealed class StorageUnreachableException(string? detail = null, Exception? inner = null)
    : WildBackupException(WildErrorKind.Unreachable, "StorageUnreachable", StandardMessage, detail, inner)
{
    /// <summary>The design's wording, exactly.</summary>
    public const string StandardMessage = "Cannot reach backup storage. Check network connection.";
}

/// <summary>Backup storage has less free space than the backup needs.</summary>
public sealed class NoSpaceException : WildBackupException
{
    public NoSpaceException(long neededBytes, string? detail = null, Exception? inner = null)
        : base(WildErrorKind.NoSpace, "NotEnoughSpace", FormatMessage(neededBytes), detail, inner)
    {
        NeededBytes = neededBytes;
    }

    public long NeededBytes { get; }

    /// <summary>The design's wording: <c>Not enough space on backup storage (need X GB)</c>,
    /// X in decimal gigabytes rounded up to one decimal (never 0.0).</summary>
    public static string FormatMessage(long neededBytes)
    {
        var tenths = Math.Max(1, (long)Math.Ceiling(neededBytes / 100_000_000.0));
        var gb = (tenths / 10).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + (tenths % 10);
        return $"Not enough space on backup storage (need {gb} GB)";
    }
}
