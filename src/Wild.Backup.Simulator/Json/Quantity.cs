using System.Globalization;
using System.Text.RegularExpressions;

namespace Wild.Backup.Simulator.Json;

/// <summary>Parses Kubernetes resource quantities ("10Gi", "1.5G", "500m", "1e3").</summary>
public static partial class Quantity
{
    [GeneratedRegex(@"^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text)) return false;
        var m = Pattern().Match(text);
        if (!m.Success || !decimal.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return false;
        var suffix = m.Groups[2].Value;
        decimal multiplier = suffix switch
        {
            "" => 1m,
            "Ki" => 1024m,
            "Mi" => 1024m * 1024,
            "Gi" => 1024m * 1024 * 1024,
            "Ti" => 1024m * 1024 * 1024 * 1024,
            "Pi" => 1024m * 1024 * 1024 * 1024 * 1024,
            "Ei" => 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
            "n" => 0.000000001m,
            "u" => 0.000001m,
            "m" => 0.001m,
            "k" => 1000m,
            "M" => 1000m * 1000,
            "G" => 1000m * 1000 * 1000,
            "T" => 1000m * 1000 * 1000 * 1000,
            "P" => 1000m * 1000 * 1000 * 1000 * 1000,
            "E" => 1000m * 1000 * 1000 * 1000 * 1000 * 1000,
            _ => Pow10(int.Parse(suffix[1..], CultureInfo.InvariantCulture)),
        };
        try { value = number * multiplier; return true; }
        catch (OverflowException) { return false; }
    }

    public static decimal? Parse(string? text) => TryParse(text, out var v) ? v : null;

    private static decimal Pow10(int exp)
    {
        decimal r = 1;
        for (var i = 0; i < Math.Abs(exp); i++) r *= 10;
        return exp < 0 ? 1 / r : r;
    }
}
