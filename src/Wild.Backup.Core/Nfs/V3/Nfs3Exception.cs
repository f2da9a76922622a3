namespace Wild.Backup.Core.Nfs.V3;

/// <summary>An NFS procedure answered with an error status.</summary>
internal sealed class Nfs3Exception(string procedure, Nfs3Status status)
    : IOException($"NFS {procedure} failed: {Name(status)}")
{
    public string Procedure { get; } = procedure;
    public Nfs3Status Status { get; } = status;

    /// <summary>The handle no longer names a file (removed, or the export changed under it).</summary>
    public bool IsStale => Status is Nfs3Status.Stale or Nfs3Status.BadHandle;

    public static string Name(Nfs3Status s) => Enum.IsDefined(s) ? "NFS3ERR_" + s.ToString().ToUpperInvariant() : $"status {(uint)s}";
}
