using Wild.Backup.Core.Errors;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// What Longhorn's admission webhook answers when it rejects a request (for a Backup: target unavailable, snapshot
/// and volume do not match, invalid name or mode). Phase 2 maps it to the API server's 400 admission denial.
/// </summary>
public sealed class AdmissionDeniedException(string message, string? detail = null)
    : WildBackupException(WildErrorKind.Invalid, "LonghornAdmissionDenied", message, detail);
