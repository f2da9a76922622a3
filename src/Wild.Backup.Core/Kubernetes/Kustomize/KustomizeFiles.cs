using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Kubernetes.Kustomize;

/// <summary>Where a kustomization may read: paths relative to its directory, never outside the app's directory (the
/// render's root), not through links that lead outside, and never a URL.</summary>
internal static class KustomizeFiles
{
    public static readonly string[] KustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    /// <summary>The kustomization file of a directory, or null; two of them is an error (as in kustomize).</summary>
    public static string? FindKustomization(string dir)
    {
        var found = KustomizationNames.Select(n => Path.Combine(dir, n)).Where(File.Exists).ToList();
        if (found.Count > 1)
            throw new InvalidInputException("KustomizeInvalid", $"{dir} has more than one kustomization file ({string.Join(", ", found.Select(Path.GetFileName))}).") { Target = dir };
        return found.FirstOrDefault();
    }

    /// <summary>The full path of <paramref name="relative"/> from <paramref name="dir"/>, checked to stay inside <paramref name="root"/>.</summary>
    public static string Resolve(string dir, string root, string relative, string file)
    {
        if (relative.Contains("://", StringComparison.Ordinal) || relative.StartsWith("github.com/", StringComparison.Ordinal) || relative.StartsWith("git@", StringComparison.Ordinal))
            throw Generators.Unsupported(file, $"remote resource {relative}");
        if (Path.IsPathRooted(relative))
            throw new InvalidInputException("KustomizeOutsideRoot", $"{file}: '{relative}' is an absolute path; kustomizations may only refer to files inside the app's directory.") { Target = file };
        var full = Path.GetFullPath(Path.Combine(dir, relative));
        if (!Inside(full, root))
            throw new InvalidInputException("KustomizeOutsideRoot", $"{file}: '{relative}' leads outside the app's directory.") { Target = file };
        // A link inside the tree must not lead out of it.
        var info = new FileInfo(full);
        if (info.Exists || Directory.Exists(full))
        {
            FileSystemInfo entry = info.Exists ? info : new DirectoryInfo(full);
            if (entry.LinkTarget is not null && entry.ResolveLinkTarget(returnFinalTarget: true) is { } target && !Inside(target.FullName, root))
                throw new InvalidInputException("KustomizeOutsideRoot", $"{file}: '{relative}' is a link leading outside the app's directory.") { Target = file };
        }
        else
        {
            throw new NotFoundException("KustomizeFileMissing", $"{file}: '{relative}' does not exist.") { Target = file };
        }
        return full;
    }

    private static bool Inside(string path, string root)
    {
        var r = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        return path == r || path.StartsWith(r + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>A path shown in messages: relative to the root's parent (e.g. <c>gitea/kustomization.yaml</c>).</summary>
    public static string Show(string path, string root) =>
        Path.GetRelativePath(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(root))) ?? root, path).Replace('\\', '/');
}
