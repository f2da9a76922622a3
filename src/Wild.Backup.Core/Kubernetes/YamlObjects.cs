using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Wild.Backup.Core.Kubernetes;

/// <summary>
/// YAML manifests as JSON objects, the way the API server receives them: multi-document streams, plain scalars resolved
/// by the YAML 1.2 core schema (null, booleans, integers, floats; everything else — quoted, block or unresolved — a
/// string), explicit <c>!!str</c>/<c>!!int</c>/… tags honoured, aliases expanded. Errors name the file and position,
/// never content (manifests can hold credentials).
/// </summary>
public static partial class YamlObjects
{
    /// <summary>Every non-empty document of <paramref name="text"/>; each must be a mapping.</summary>
    public static IReadOnlyList<JsonObject> ParseObjects(string text, string label)
    {
        var list = new List<JsonObject>();
        foreach (var node in ParseDocuments(text, label))
        {
            if (node is null) continue;
            if (node is not JsonObject o)
                throw new InvalidInputException("ManifestNotAnObject", $"{label}: a document is not a mapping (an object with apiVersion, kind, metadata).") { Target = label };
            list.Add(o);
        }
        return list;
    }

    /// <summary>The documents of a YAML stream as JSON (an empty document is null).</summary>
    public static IReadOnlyList<JsonNode?> ParseDocuments(string text, string label)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new InvalidInputException("InvalidYaml", $"{label} is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}).") { Target = label };
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet reports some malformed streams this way; its message may quote the text.
            throw new InvalidInputException("InvalidYaml", $"{label} is not valid YAML.") { Target = label };
        }
        return stream.Documents.Select(d => d.RootNode is YamlScalarNode { Value: null or "" } s && s.Style == ScalarStyle.Plain && s.Tag.IsEmpty ? null : Convert(d.RootNode, label, 0)).ToList();
    }

    /// <summary>A single YAML document as a JSON object (e.g. a kustomization); an empty document is an empty object.</summary>
    /// <param name="lastKeyWins">Lenient reading of hand-made files (an app's manifest.yaml): a key repeated in a mapping
    /// takes its last value instead of being refused; aliases read as null. Never used for what goes to Kubernetes.</param>
    public static JsonObject ParseObject(string text, string label, bool lastKeyWins = false)
    {
        if (lastKeyWins)
        {
            return Yaml.YamlNodeTree.Parse(text, label) is { } root
                ? ConvertLenient(root, label, 0) as JsonObject ?? throw new InvalidInputException("InvalidYaml", $"{label} is not a mapping.") { Target = label }
                : new JsonObject();
        }
        var docs = ParseDocuments(text, label);
        if (docs.Count > 1) throw new InvalidInputException("InvalidYaml", $"{label} holds {docs.Count} documents; one was expected.") { Target = label };
        return docs.Count == 0 || docs[0] is null ? new JsonObject()
            : docs[0] as JsonObject ?? throw new InvalidInputException("InvalidYaml", $"{label} is not a mapping.") { Target = label };
    }

    private static JsonNode? Convert(YamlNode node, string label, int depth)
    {
        if (depth > 100) throw new InvalidInputException("InvalidYaml", $"{label} is nested too deeply.") { Target = label };
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    if (k is not YamlScalarNode key)
                        throw new InvalidInputException("InvalidYaml", $"{label}: a mapping key at line {k.Start.Line} is not a scalar.") { Target = label };
                    var name = key.Value ?? "";
                    if (obj.ContainsKey(name))
                        throw new InvalidInputException("InvalidYaml", $"{label}: duplicate key '{name}' at line {k.Start.Line}.") { Target = label };
                    obj[name] = Convert(v, label, depth + 1);
                }
                return obj;
            case YamlSequenceNode seq:
                var arr = new JsonArray();
                foreach (var item in seq.Children) arr.Add(Convert(item, label, depth + 1));
                return arr;
            case YamlScalarNode scalar:
                return Scalar(scalar, label);
            default:
                throw new InvalidInputException("InvalidYaml", $"{label}: unsupported YAML node at line {node.Start.Line}.") { Target = label };
        }
    }

    private static JsonNode? ConvertLenient(Yaml.YNode node, string label, int depth)
    {
        if (depth > 100) throw new InvalidInputException("InvalidYaml", $"{label} is nested too deeply.") { Target = label };
        switch (node)
        {
            case Yaml.YMapping map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Entries)
                {
                    if (k is not Yaml.YScalar key)
                        throw new InvalidInputException("InvalidYaml", $"{label}: a mapping key at line {k.Line + 1} is not a scalar.") { Target = label };
                    obj[key.Value] = ConvertLenient(v, label, depth + 1);
                }
                return obj;
            case Yaml.YSequence seq:
                var arr = new JsonArray();
                foreach (var item in seq.Items) arr.Add(ConvertLenient(item, label, depth + 1));
                return arr;
            case Yaml.YScalar scalar:
                return Scalar(scalar.Value, scalar.Tag, scalar.Style, scalar.Line + 1, label);
            default:
                return null;
        }
    }

    private static JsonNode? Scalar(YamlScalarNode s, string label) => Scalar(s.Value ?? "", s.Tag.IsEmpty ? null : s.Tag.Value, s.Style, s.Start.Line, label);

    private static JsonNode? Scalar(string value, string? tag, ScalarStyle style, long line, string label)
    {
        switch (tag)
        {
            case "tag:yaml.org,2002:str":
                return JsonValue.Create(value);
            case "tag:yaml.org,2002:null":
                return null;
            case "tag:yaml.org,2002:bool":
                return Bool(value) is { } b ? JsonValue.Create(b) : throw BadTag();
            case "tag:yaml.org,2002:int":
                return Int(value) ?? throw BadTag();
            case "tag:yaml.org,2002:float":
                return Float(value) ?? Int(value) ?? throw BadTag();
            case null or "!":
                break;
            default:
                throw new InvalidInputException("InvalidYaml", $"{label}: unsupported YAML tag '{tag}' at line {line}.") { Target = label };
        }
        if (style != ScalarStyle.Plain || tag == "!") return JsonValue.Create(value);
        if (value is "" or "~" or "null" or "Null" or "NULL") return null;
        if (Bool(value) is { } flag) return JsonValue.Create(flag);
        return Int(value) ?? Float(value) ?? JsonValue.Create(value);

        InvalidInputException BadTag() => new("InvalidYaml", $"{label}: the value at line {line} does not match its tag '{tag}'.") { Target = label };
    }

    private static bool? Bool(string v) => v switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Decimal();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();

    private static JsonNode? Int(string v)
    {
        if (Decimal().IsMatch(v))
        {
            return long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? JsonValue.Create(l)
                : decimal.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d) : null;
        }
        if (v.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(v[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)) return JsonValue.Create(hex);
        if (v.StartsWith("0o", StringComparison.Ordinal) && v.Length > 2 && v[2..].All(c => c is >= '0' and <= '7'))
        {
            try
            {
                return JsonValue.Create(System.Convert.ToInt64(v[2..], 8));
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        return null;
    }

    private static JsonNode? Float(string v)
    {
        if (v is ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF" or ".nan" or ".NaN" or ".NAN")
        {
            // JSON has no infinities or NaN; the API server would reject them too. Keep the text.
            return JsonValue.Create(v);
        }
        if (!FloatPattern().IsMatch(v)) return null;
        return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? JsonValue.Create(d) : null;
    }
}
