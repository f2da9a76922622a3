using Wild.Backup.Core.Nfs.Xdr;

namespace Wild.Backup.Core.Nfs.V3;

/// <summary>An NFSv3 file handle (nfs_fh3, at most 64 opaque bytes). Compared by content.</summary>
internal sealed class NfsFileHandle : IEquatable<NfsFileHandle>
{
    public const int MaxLength = 64;
    private readonly byte[] _bytes;

    public NfsFileHandle(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength) throw new XdrFormatException($"file handle of {bytes.Length} bytes exceeds {MaxLength}");
        _bytes = bytes.ToArray();
    }

    public ReadOnlySpan<byte> Bytes => _bytes;

    public static NfsFileHandle Read(XdrReader r) => new(r.ReadOpaque(MaxLength).Span);

    public void Write(XdrWriter w) => w.WriteOpaque(_bytes);

    public bool Equals(NfsFileHandle? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);
    public override bool Equals(object? obj) => Equals(obj as NfsFileHandle);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.AddBytes(_bytes);
        return h.ToHashCode();
    }

    public override string ToString() => Convert.ToHexString(_bytes);
}
