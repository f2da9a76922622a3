using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Instances;

/// <summary>
/// An app's <c>manifest.yaml</c>, read as far as it can be. Wild Cloud's older tooling compiles an app by rendering its
/// files with gomplate but copies manifest.yaml unrendered, so a real instance's manifest may still hold
/// <c>{{ .apps.gitea.dbName }}</c> expressions and may not even be strict YAML (an unquoted
/// <c>tls: {{ .cloud.smtp.tls }}</c> reads as a flow mapping; the catalogue's ghost repeats a key). Such a manifest is
/// read, never refused: every <c>{{ … }}</c> is set aside before parsing and put back afterwards (a value that uses one
/// reads as the expression's text); a key repeated in a mapping takes its last value; and when the text is still not
/// YAML, each top-level key is read on its own. Warnings say what was not strict YAML (naming keys that could not be
/// read) and which fields the tool acts on — name, requires, the secrets lists, the database keys
/// <c>defaultConfig.db*</c> — hold unrendered expressions. Expressions elsewhere (the catalogue's
/// <c>domain: gitea.{{ .cloud.domain }}</c>, rendered by the daemon into config.yaml) are normal and not warned about.
/// <para>Fields used: <c>name</c>, <c>description</c>, <c>version</c>, <c>requires: [{name}]</c> (older manifests: plain
/// names), and the whole document for <c>defaultConfig</c>, <c>defaultSecrets</c> and <c>requiredSecrets</c>, as in the
/// catalogue's manifests (civil-society-dev/wild-central <c>directory/apps/*/manifest.yaml</c>).</para>
/// Warnings never quote the file's content.
/// </summary>
public sealed partial record AppManifest
{
    /// <summary>The name the manifest gives itself (may differ from the app's directory name, which is the app's name).</summary>
    public string? Name { get; init; }
    public string? Description { get; init; }
    public string? Version { get; init; }
    /// <summary>Apps this one depends on (<c>requires[].name</c>).</summary>
    public IReadOnlyList<string> Requires { get; init; } = [];
    /// <summary>Everything that could be read, as JSON (template expressions kept as their text).</summary>
    public JsonObject Document { get; init; } = new();
    /// <summary>What could not be read as written (unrendered templates, invalid YAML), for the user.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The manifest at <paramref name="file"/>, or null when there is none. Never throws for its content.</summary>
    public static AppManifest? Read(string file, string label)
    {
        if (!File.Exists(file)) return null;
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new AppManifest { Warnings = [$"{label} could not be read ({ex.GetType().Name}); the app is listed without it."] };
        }
        return Parse(text, label);
    }

    /// <summary>Reads manifest text (see the type's remarks).</summary>
    public static AppManifest Parse(string text, string label)
    {
        var warnings = new List<string>();
        var expressions = new List<string>();
        var token = "wildtpl" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var neutral = Template().Replace(text, m =>
        {
            expressions.Add(m.Value);
            return $"{token}n{expressions.Count - 1}x";
        });

        // Strict as written; else with the template expressions set aside; else with repeated keys allowed (the last
        // counts); else key by key. Each step past the first is a warning.
        var strict = TryParse(text, label, lastKeyWins: false) is not null;
        var document = TryParse(neutral, label, lastKeyWins: false);
        if (document is not null && !strict)
            warnings.Add($"{label} is not strict YAML: it holds unquoted template expressions ({{{{ … }}}}), as Wild Cloud copies manifests unrendered. They were read as text.");
        if (document is null && (document = TryParse(neutral, label, lastKeyWins: true)) is not null)
            warnings.Add($"{label} is not strict YAML: a key appears twice in a mapping. The last one was used.");
        if (document is null)
        {
            document = new JsonObject();
            var unreadable = new List<string>();
            foreach (var (key, line, block) in TopLevelBlocks(neutral))
            {
                if (TryParse(block, label, lastKeyWins: true) is { } part)
                {
                    foreach (var (k, v) in part) document[k] = v?.DeepClone();
                }
                else unreadable.Add(key is null ? $"line {line}" : $"'{key}' (line {line})");
            }
            warnings.Add(unreadable.Count == 0
                ? $"{label} is not strict YAML; it was read key by key."
                : $"{label} is not strict YAML; read what could be read. Not readable: {string.Join(", ", unreadable)}.");
        }
        if (expressions.Count > 0) document = (JsonObject)Restore(document, token, expressions)!;
        var templated = UsedFields(document).Where(f => f.Value.Contains("{{", StringComparison.Ordinal)).Select(f => f.Path).Distinct().ToList();
        if (templated.Count > 0)
            warnings.Add($"{label} uses unrendered template expressions in {string.Join(", ", templated)}; they were read as written, not rendered.");

        // Top-level scalars as written (version: 1.10 stays "1.10", as the daemon's string fields read it).
        Yaml.YamlDocumentText? raw = null;
        try
        {
            raw = Yaml.YamlDocumentText.Parse(neutral, label);
        }
        catch (Exception ex) when (ex is InvalidInputException or InvalidOperationException)
        {
        }
        string? Scalar(string key)
        {
            string? value = null;
            try
            {
                value = raw?.GetScalar([key]);
            }
            catch (Exception ex) when (ex is InvalidInputException or InvalidOperationException)
            {
            }
            value ??= Text(document[key]);
            return value is null || expressions.Count == 0 ? value : Text(Restore(JsonValue.Create(value), token, expressions));
        }

        return new AppManifest
        {
            Name = Scalar("name"),
            Description = Scalar("description"),
            Version = Scalar("version"),
            Requires = (document["requires"] as JsonArray ?? [])
                .Select(r => r is JsonObject o ? Text(o["name"]) : Text(r))
                .OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList(),
            Document = document,
            Warnings = warnings,
        };
    }

    private static JsonObject? TryParse(string text, string label, bool lastKeyWins)
    {
        try
        {
            return YamlObjects.ParseObject(text, label, lastKeyWins);
        }
        catch (Exception ex) when (ex is InvalidInputException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The string values this tool acts on: the name, requirements, secrets lists and the database keys of
    /// <c>defaultConfig</c> (<c>db*</c>), with their paths.</summary>
    private static IEnumerable<(string Path, string Value)> UsedFields(JsonObject document)
    {
        if (Text(document["name"]) is { } name) yield return ("name", name);
        foreach (var key in new[] { "requires", "requiredSecrets", "defaultSecrets" })
        {
            foreach (var value in Strings(document[key])) yield return (key, value);
        }
        if (document["defaultConfig"] is JsonObject config)
        {
            foreach (var (k, v) in config.Where(p => p.Key.StartsWith("db", StringComparison.Ordinal)))
            {
                foreach (var value in Strings(v)) yield return ("defaultConfig." + k, value);
            }
        }
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => [s],
        JsonArray a => a.SelectMany(Strings),
        JsonObject o => o.Select(p => p.Value).SelectMany(Strings),
        _ => [],
    };

    /// <summary>A value as text when it is a scalar (numbers and booleans too: <c>version: 1.0</c> is a number in YAML).</summary>
    private static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    [GeneratedRegex(@"\{\{.*?\}\}", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Template();

    /// <summary>The top-level entries of a YAML text, each with the lines that belong to it (a block starts at a key in
    /// column 0; comments, indented lines and column-0 sequence items belong to the entry above).</summary>
    private static IEnumerable<(string? Key, int Line, string Text)> TopLevelBlocks(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var start = -1;
        string? key = null;
        for (var i = 0; i <= lines.Length; i++)
        {
            var line = i < lines.Length ? lines[i] : null;
            var isKey = line is { Length: > 0 } && !char.IsWhiteSpace(line[0]) && line[0] is not ('#' or '-') && line.Contains(':');
            var isMarker = line is not null && (line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("...", StringComparison.Ordinal));
            if (line is null || isKey || isMarker)
            {
                if (start >= 0) yield return (key, start + 1, string.Join('\n', lines[start..i]) + "\n");
                start = isKey ? i : -1;
                key = isKey ? KeyOf(line!) : null;
            }
        }
    }

    private static string KeyOf(string line)
    {
        var key = line[..line.IndexOf(':')].Trim().Trim('"', '\'');
        return key.Length > 40 ? key[..40] + "…" : key;
    }

    /// <summary>Puts the set-aside expressions back into every string (keys and values).</summary>
    private static JsonNode? Restore(JsonNode? node, string token, IReadOnlyList<string> expressions)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o) copy[Put(k)] = Restore(v?.DeepClone(), token, expressions);
                return copy;
            case JsonArray a:
                return new JsonArray(a.Select(i => Restore(i?.DeepClone(), token, expressions)).ToArray());
            case JsonValue v when v.TryGetValue<string>(out var s) && s.Contains(token, StringComparison.Ordinal):
                return JsonValue.Create(Put(s));
            default:
                return node;
        }

        string Put(string s) => !s.Contains(token, StringComparison.Ordinal) ? s
            : Regex.Replace(s, Regex.Escape(token) + @"n(\d+)x", m => expressions[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)]);
    }
}
