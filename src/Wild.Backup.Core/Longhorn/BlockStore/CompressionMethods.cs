using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>Longhorn's block compression methods. A cfg without one means gzip (LEGACY_COMPRESSION_METHOD).</summary>
public static class CompressionMethods
{
    public const string None = "none";
    public const string Lz4 = "lz4";
    public const string Gzip = "gzip";

    /// <summary>What Longhorn uses when a cfg names no method.</summary>
    public const string Legacy = Gzip;

    /// <summary>Longhorn's default setting (<c>backup-compression-method</c>).</summary>
    public const string Default = Lz4;

    public static bool IsKnown(string? method) => method is None or Lz4 or Gzip;

    /// <summary>The method to use for a value read from a cfg: empty means gzip; an unknown value is an error.</summary>
    public static string Effective(string? method)
    {
        if (string.IsNullOrEmpty(method)) return Legacy;
        if (!IsKnown(method))
            throw new CorruptBackupException("LonghornUnknownCompression", $"Unsupported Longhorn compression method '{method}' (expected none, lz4 or gzip).");
        return method;
    }

    /// <summary>Validates a method asked for by a caller (writer side).</summary>
    public static string Require(string? method)
    {
        if (!IsKnown(method))
            throw new InvalidInputException("InvalidCompressionMethod", $"Unsupported Longhorn compression method '{method}'. Use none, lz4 or gzip.");
        return method!;
    }
}
