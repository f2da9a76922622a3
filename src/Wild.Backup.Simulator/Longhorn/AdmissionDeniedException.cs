using Wild.Backup.Core.Errors;

namespace Wild.Backup.Simulator.Longhorn;

/// <summary>
/// The data plane's own admission check of a backup (target unavailable, snapshot and volume do not match, invalid
/// name). On the cluster, Longhorn's webhook (<c>Admission/BackupAdmission</c>) refuses such Backups first with a 422
/// as Longhorn does; should the data plane still refuse one (the target went away in between), the Backup ends in
/// Error with this message.
/// </summary>
public sealed class AdmissionDeniedException(string message, string? detail = null)
    : WildBackupException(WildErrorKind.Invalid, "LonghornAdmissionDenied", message, detail);
