using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Resources;

namespace Wild.Backup.Simulator.Selectors;

internal sealed record FieldRequirement(string Field, bool Equal, string Value);

/// <summary>
/// A field selector (<c>?fieldSelector=metadata.name=x,status.phase!=Running</c>). Only the fields a
/// kind declares are selectable; others are refused with 400 "field label not supported", as the
/// real server does.
/// </summary>
internal sealed class FieldSelector
{
    private FieldSelector(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    public IReadOnlyList<FieldRequirement> Requirements { get; }

    public static readonly FieldSelector Everything = new([]);

    public bool IsEmpty => Requirements.Count == 0;

    /// <summary>Parses and checks the fields against the resource's selectable fields.</summary>
    public static FieldSelector Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var reqs = new List<FieldRequirement>();
        foreach (var term in SplitTerms(text))
        {
            if (term.Length == 0) continue;
            var (field, equal, value) = ParseTerm(text, term);
            if (!IsSupported(type, field)) throw Errors.BadRequest($"field label not supported: {field}");
            reqs.Add(new FieldRequirement(field, equal, value));
        }
        return new FieldSelector(reqs);
    }

    public bool Matches(ResourceType type, JsonObject obj)
        => Requirements.All(r => (Value(type, obj, r.Field) == r.Value) == r.Equal);

    /// <summary>The value of a selectable field, as the apiserver's field set renders it.</summary>
    public static string Value(ResourceType type, JsonObject obj, string field) => field switch
    {
        "metadata.name" => obj.Str("metadata", "name") ?? "",
        "metadata.namespace" => obj.Str("metadata", "namespace") ?? "",
        _ => type.SelectableFields.TryGetValue(field, out var get) ? get(obj) : "",
    };

    private static bool IsSupported(ResourceType type, string field)
        => field is "metadata.name" || (field is "metadata.namespace" && type.Namespaced) || type.SelectableFields.ContainsKey(field);

    private static IEnumerable<string> SplitTerms(string text)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length) { sb.Append(text[i]).Append(text[i + 1]); i++; continue; }
            if (text[i] == ',') { yield return sb.ToString(); sb.Clear(); continue; }
            sb.Append(text[i]);
        }
        yield return sb.ToString();
    }

    private static (string Field, bool Equal, string Value) ParseTerm(string whole, string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\') { i++; continue; }
            if (term[i] == '!' && i + 1 < term.Length && term[i + 1] == '=') return (term[..i], false, Unescape(term[(i + 2)..]));
            if (term[i] == '=')
            {
                var skip = i + 1 < term.Length && term[i + 1] == '=' ? 2 : 1;
                return (term[..i], true, Unescape(term[(i + skip)..]));
            }
        }
        throw Errors.BadRequest($"invalid selector: '{whole}'; can't understand '{term}'");
    }

    private static string Unescape(string s)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length) { sb.Append(s[++i]); continue; }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
