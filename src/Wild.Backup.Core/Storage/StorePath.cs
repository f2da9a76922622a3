using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Storage;

/// <summary>Relative '/'-separated paths inside a store. Every store validates its input through here.</summary>
public static class StorePath
{
    /// <summary>Returns the path in canonical form or throws InvalidInputException. "" is the root.</summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0) return "";
        if (path.Length > 4096) throw Invalid(path, "it is longer than 4096 characters");
        if (path[0] == '/') throw Invalid(path, "it is absolute");
        foreach (var c in path)
        {
            if (c == '\0' || c == '\\') throw Invalid(path, "it contains a NUL or backslash");
        }
        var trimmed = path.TrimEnd('/');
        var parts = trimmed.Split('/');
        foreach (var p in parts)
        {
            if (p.Length == 0) throw Invalid(path, "it has an empty segment");
            if (p == "." || p == "..") throw Invalid(path, "it contains '.' or '..'");
            if (p.Length > 255) throw Invalid(path, "a segment is longer than 255 characters");
        }
        return trimmed;
    }

    public static string Combine(params string[] parts)
    {
        var joined = string.Join('/', parts.Where(p => p.Length > 0));
        return Normalize(joined);
    }

    /// <summary>The last segment ("" for the root).</summary>
    public static string GetName(string path)
    {
        var i = path.LastIndexOf('/');
        return i < 0 ? path : path[(i + 1)..];
    }

    /// <summary>The parent directory ("" for a top-level entry), or null for the root.</summary>
    public static string? GetParent(string path)
    {
        if (path.Length == 0) return null;
        var i = path.LastIndexOf('/');
        return i < 0 ? "" : path[..i];
    }

    private static InvalidInputException Invalid(string path, string why) =>
        new("InvalidStorePath", $"Invalid path inside backup storage: {why}.", detail: path.Length > 200 ? path[..200] + "…" : path);
}
