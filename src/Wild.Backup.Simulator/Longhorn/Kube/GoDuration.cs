using System.Globalization;
using System.Text;

namespace Wild.Backup.Simulator.Longhorn.Kube;

/// <summary>Go's time.Duration text as metav1.Duration carries it: "5m0s", "300s", "1h30m", "250ms", "0s".</summary>
internal static class GoDuration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) return false;
        if (text == "0") return true;
        var i = 0;
        var total = 0.0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (start == i || !double.TryParse(text[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.') i++;
            double? scale = text[unitStart..i] switch
            {
                "h" => 3600e3,
                "m" => 60e3,
                "s" => 1e3,
                "ms" => 1,
                "us" or "µs" => 1e-3,
                "ns" => 1e-6,
                _ => null,
            };
            if (scale is null) return false;
            total += n * scale.Value;
        }
        value = TimeSpan.FromMilliseconds(total);
        return true;
    }

    /// <summary>Formats as Go does for whole seconds ("5m0s", "1h0m0s", "30s"); sub-second parts as milliseconds.</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero) return "0s";
        if (value.TotalSeconds < 1) return ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        var sb = new StringBuilder();
        var hours = (long)value.TotalHours;
        if (hours > 0) sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        if (hours > 0 || value.Minutes > 0) sb.Append(value.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        var seconds = value.Seconds + value.Milliseconds / 1000.0;
        sb.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
        return sb.ToString();
    }
}
