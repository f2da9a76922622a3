using System.Text.Json.Nodes;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Kubernetes.Kustomize;

/// <summary>
/// The <c>images</c> transformer: every <c>image</c> of a container or init container (wherever a <c>containers</c> or
/// <c>initContainers</c> list appears in an object) whose name matches an entry gets its <c>newName</c>, <c>newTag</c>
/// or <c>digest</c>.
/// </summary>
internal static class Images
{
    private sealed record Rule(string Name, string? NewName, string? NewTag, string? Digest);

    public static void Apply(List<KResource> list, JsonArray? entries, string file)
    {
        var rules = new List<Rule>();
        foreach (var e in entries ?? [])
        {
            if (e is not JsonObject o) throw new InvalidInputException("KustomizeInvalid", $"{file}: each images entry must be a mapping.") { Target = file };
            foreach (var (field, _) in o)
            {
                if (field is not ("name" or "newName" or "newTag" or "digest")) throw Generators.Unsupported(file, "images." + field);
            }
            var name = o.Str("name") ?? throw new InvalidInputException("KustomizeInvalid", $"{file}: an images entry has no name.") { Target = file };
            // A YAML newTag such as 1.22 parses as a number; kustomize takes its text.
            var tag = o["newTag"] is JsonValue t ? (t.TryGetValue<string>(out var s) ? s : t.ToJsonString()) : null;
            rules.Add(new Rule(name, o.Str("newName"), tag, o.Str("digest")));
        }
        if (rules.Count == 0) return;
        foreach (var r in list) Walk(r.Obj, rules);
    }

    private static void Walk(JsonNode? node, List<Rule> rules)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (key is "containers" or "initContainers" && value is JsonArray containers)
                    {
                        foreach (var c in containers.OfType<JsonObject>())
                        {
                            if (c.Str("image") is { } image) c["image"] = Rewrite(image, rules);
                        }
                    }
                    Walk(value, rules);
                }
                break;
            case JsonArray a:
                foreach (var item in a) Walk(item, rules);
                break;
        }
    }

    /// <summary>Splits <c>registry:port/path/name:tag@digest</c> into name, tag and digest.</summary>
    internal static (string Name, string? Tag, string? Digest) Parse(string image)
    {
        string? digest = null;
        var at = image.IndexOf('@');
        if (at >= 0)
        {
            digest = image[(at + 1)..];
            image = image[..at];
        }
        var colon = image.LastIndexOf(':');
        if (colon > image.LastIndexOf('/')) return (image[..colon], image[(colon + 1)..], digest);
        return (image, null, digest);
    }

    private static string Rewrite(string image, IEnumerable<Rule> rules)
    {
        var (name, tag, digest) = Parse(image);
        var rule = rules.FirstOrDefault(r => r.Name == name);
        if (rule is null) return image;
        name = rule.NewName ?? name;
        if (rule.Digest is { } d) return name + "@" + d;
        if (rule.NewTag is { } t) return name + ":" + t;
        return name + (tag is null ? "" : ":" + tag) + (digest is null ? "" : "@" + digest);
    }
}
