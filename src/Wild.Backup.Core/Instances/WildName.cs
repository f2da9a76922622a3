using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Instances;

/// <summary>Instance and app names: DNS-1123 labels. Checked before any file is touched.</summary>
public static partial class WildName
{
    public const int MaxLength = 63;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Label();

    public static bool IsValid(string? name) => name is { Length: > 0 and <= MaxLength } && Label().IsMatch(name);

    /// <summary>Returns <paramref name="name"/> or throws InvalidInputException saying what is wrong and what is allowed.</summary>
    /// <param name="what">"instance" or "app", for the message.</param>
    public static string Validate(string? name, string what)
    {
        if (IsValid(name)) return name!;
        var shown = Show(name);
        var why = name switch
        {
            null or "" => "it is empty",
            { Length: > MaxLength } => $"it is longer than {MaxLength} characters",
            _ when name.Contains('/') || name.Contains('\\') => "it contains a slash",
            _ when name.Contains("..") => "it contains '..'",
            _ when name.Any(char.IsUpper) => "it contains upper-case letters",
            _ => "it may only contain lower-case letters, digits and '-', and must start and end with a letter or digit",
        };
        var title = char.ToUpperInvariant(what[0]) + what[1..];
        return name is null or ""
            ? throw new InvalidInputException($"Invalid{title}Name", $"{title} name is empty. Give a DNS-1123 label such as 'gitea'.")
            : throw new InvalidInputException($"Invalid{title}Name", $"'{shown}' is not a valid {what} name: {why}. Use a DNS-1123 label such as 'gitea'.") { Target = shown };
    }

    /// <summary>A name as it may be shown in a message: control characters replaced, length capped.</summary>
    public static string Show(string? name)
    {
        if (name is null) return "";
        var clean = new string(name.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 80 ? clean[..80] + "…" : clean;
    }
}
