using System.Globalization;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>The integer subset of Kubernetes resource quantities Longhorn uses for block sizes: "2097152", "16Mi", "2M".</summary>
public static class Quantity
{
    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40),
        ("k", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
    ];

    public static long Parse(string text)
    {
        var s = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in Suffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                s = s[..^suffix.Length];
                break;
            }
        }
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > long.MaxValue / factor)
            throw new CorruptBackupException("LonghornBadBlockSize", $"'{text}' is not a block size Longhorn understands.");
        return n * factor;
    }
}
