using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Longhorn.BlockStore;

namespace Wild.Backup.Core.Kubernetes.Kustomize;

/// <summary>
/// <c>configMapGenerator</c> and <c>secretGenerator</c>: objects from <c>literals</c> (<c>key=value</c>), <c>files</c>
/// (<c>[key=]path</c>), and <c>envs</c>/<c>env</c> (<c>KEY=value</c> lines, <c>#</c> comments), with generator options
/// (labels, annotations, immutable, disableNameSuffixHash). Names get kustomize's content hash suffix
/// (<see cref="HashSuffix"/>) unless disabled. Only <c>behavior: create</c> is supported (merge and replace act on a
/// base's generator).
/// </summary>
internal static partial class Generators
{
    private static readonly HashSet<string> EntryFields = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options", "type"];
    private static readonly HashSet<string> OptionFields = ["labels", "annotations", "disableNameSuffixHash", "immutable"];

    public static IEnumerable<KResource> Generate(JsonArray? entries, bool secret, JsonObject? globalOptions, string dir, string root, string file)
    {
        var field = secret ? "secretGenerator" : "configMapGenerator";
        var kind = secret ? "Secret" : "ConfigMap";
        CheckOptions(globalOptions, file, "generatorOptions");
        foreach (var entry in entries ?? [])
        {
            if (entry is not JsonObject e) throw Invalid(file, $"each {field} entry must be a mapping");
            foreach (var (key, _) in e)
            {
                if (!EntryFields.Contains(key) || (!secret && key == "type")) throw Unsupported(file, $"{field}.{key}");
            }
            var name = e.Str("name") ?? throw Invalid(file, $"a {field} entry has no name");
            var behavior = e.Str("behavior") ?? "create";
            if (behavior != "create") throw Unsupported(file, $"{field}[{name}].behavior: {behavior}");
            var options = e.Obj("options");
            CheckOptions(options, file, $"{field}[{name}].options");

            var data = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var literal in Strings(e, "literals", file))
            {
                var eq = literal.IndexOf('=');
                if (eq <= 0) throw Invalid(file, $"{field}[{name}]: a literal must be key=value");
                Add(data, literal[..eq], Encoding.UTF8.GetBytes(Unquote(literal[(eq + 1)..])), file, name);
            }
            foreach (var source in Strings(e, "files", file))
            {
                var eq = source.IndexOf('=');
                var (key, path) = eq > 0 ? (source[..eq], source[(eq + 1)..]) : (Path.GetFileName(source), source);
                Add(data, key, File.ReadAllBytes(KustomizeFiles.Resolve(dir, root, path, file)), file, name);
            }
            var envFiles = Strings(e, "envs", file).ToList();
            if (e.Str("env") is { } single) envFiles.Add(single);
            foreach (var env in envFiles)
            {
                var text = File.ReadAllText(KustomizeFiles.Resolve(dir, root, env, file));
                foreach (var (k, v) in ParseEnv(text, env)) Add(data, k, Encoding.UTF8.GetBytes(v), file, name);
            }

            var obj = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = kind,
                ["metadata"] = new JsonObject { ["name"] = name },
            };
            if (e.Str("namespace") is { } ns) obj.Ensure("metadata")["namespace"] = ns;
            var immutable = options.Bool("immutable") ?? globalOptions.Bool("immutable");
            if (secret)
            {
                obj["type"] = e.Str("type") ?? "Opaque";
                var d = new JsonObject();
                foreach (var (k, v) in data) d[k] = Convert.ToBase64String(v);
                obj["data"] = d;
            }
            else
            {
                var d = new JsonObject();
                var binary = new JsonObject();
                foreach (var (k, v) in data)
                {
                    if (IsUtf8(v)) d[k] = Encoding.UTF8.GetString(v);
                    else binary[k] = Convert.ToBase64String(v);
                }
                if (d.Count > 0) obj["data"] = d;
                if (binary.Count > 0) obj["binaryData"] = binary;
            }
            if (immutable is { } im) obj["immutable"] = im;
            foreach (var source in new[] { globalOptions, options })
            {
                var labels = source.StringMap("labels");
                if (labels.Count > 0) new FieldSpec("metadata/labels", Create: true).SetEntries(obj, labels);
                var annotations = source.StringMap("annotations");
                if (annotations.Count > 0) new FieldSpec("metadata/annotations", Create: true).SetEntries(obj, annotations);
            }
            var noHash = options.Bool("disableNameSuffixHash") ?? globalOptions.Bool("disableNameSuffixHash") ?? false;
            yield return new KResource(obj, $"{file} ({field} {name})") { Generated = true, NeedsHash = !noHash };
        }
    }

    private static void CheckOptions(JsonObject? options, string file, string where)
    {
        foreach (var (key, _) in options ?? [])
        {
            if (!OptionFields.Contains(key)) throw Unsupported(file, $"{where}.{key}");
        }
    }

    private static IEnumerable<string> Strings(JsonObject e, string field, string file)
    {
        foreach (var item in e.Arr(field) ?? [])
        {
            yield return item is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Invalid(file, $"{field} must be a list of strings");
        }
    }

    [GeneratedRegex("^[-._a-zA-Z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DataKey();

    private static void Add(SortedDictionary<string, byte[]> data, string key, byte[] value, string file, string name)
    {
        if (!DataKey().IsMatch(key) || key.Length > 253) throw Invalid(file, $"generator {name}: '{key}' is not a valid data key");
        if (!data.TryAdd(key, value)) throw Invalid(file, $"generator {name}: key '{key}' is given twice");
    }

    private static string Unquote(string v) =>
        v.Length >= 2 && ((v[0] == '"' && v[^1] == '"') || (v[0] == '\'' && v[^1] == '\'')) ? v[1..^1] : v;

    /// <summary>An env file: <c>KEY=value</c> per line; blank lines and <c>#</c> comments skipped; leading spaces trimmed.</summary>
    internal static IEnumerable<(string Key, string Value)> ParseEnv(string text, string label)
    {
        var lineNo = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            lineNo++;
            var line = raw.TrimStart();
            if (line.Length == 0 || line[0] == '#') continue;
            var eq = line.IndexOf('=');
            if (eq <= 0)
                throw new InvalidInputException("KustomizeInvalid", $"{label} line {lineNo}: expected KEY=value (values from the environment are not supported).") { Target = label };
            yield return (line[..eq], line[(eq + 1)..]);
        }
    }

    private static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kustomize's name hash: SHA-256 of the Go JSON encoding of {kind, name, data[, binaryData][, immutable]} for a
    /// ConfigMap or {kind, name, type, data[, immutable]} for a Secret (keys sorted), first ten hex digits, with
    /// 0→g, 1→h, 3→k, a→m, e→t so no words form.
    /// </summary>
    public static string HashSuffix(JsonObject o)
    {
        var w = new GoJsonWriter().BeginObject();
        var secret = o.Kind() == "Secret";
        var binary = o.StringMap("binaryData");
        if (!secret && binary.Count > 0) w.StringMap("binaryData", binary);
        w.StringMap("data", o.Obj("data") is null ? null : o.StringMap("data"));
        if (o.Bool("immutable") is { } immutable) w.Bool("immutable", immutable);
        w.String("kind", o.Kind()).String("name", o.Name());
        if (secret) w.String("type", o.Str("type") ?? "");
        w.EndObject();
        var hex = Convert.ToHexString(SHA256.HashData(w.ToUtf8())).ToLowerInvariant();
        return new string(hex[..10].Select(c => c switch { '0' => 'g', '1' => 'h', '3' => 'k', 'a' => 'm', 'e' => 't', _ => c }).ToArray());
    }

    private static InvalidInputException Invalid(string file, string what) =>
        new("KustomizeInvalid", $"{file}: {what}.") { Target = file };

    internal static InvalidInputException Unsupported(string file, string field) =>
        new("KustomizeUnsupported", $"{file}: '{field}' is not supported by WildBackup's kustomize renderer.") { Target = file };
}
