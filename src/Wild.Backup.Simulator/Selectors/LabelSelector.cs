using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Validation;

namespace Wild.Backup.Simulator.Selectors;

internal enum LabelOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

internal sealed record LabelRequirement(string Key, LabelOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            LabelOperator.Equals or LabelOperator.In => has && Values.Contains(value!),
            LabelOperator.NotEquals or LabelOperator.NotIn => !has || !Values.Contains(value!),
            LabelOperator.Exists => has,
            LabelOperator.DoesNotExist => !has,
            LabelOperator.GreaterThan => has && long.TryParse(value, out var gv) && gv > long.Parse(Values[0], CultureInfo.InvariantCulture),
            LabelOperator.LessThan => has && long.TryParse(value, out var lv) && lv < long.Parse(Values[0], CultureInfo.InvariantCulture),
            _ => false,
        };
    }
}

/// <summary>
/// A label selector: the string syntax of <c>?labelSelector=</c> (=, ==, !=, in, notin, exists, !exists,
/// gt, lt) and the structured form (matchLabels / matchExpressions) used by workloads.
/// </summary>
internal sealed class LabelSelector
{
    private LabelSelector(IReadOnlyList<LabelRequirement> requirements, bool matchesNothing = false)
    {
        Requirements = requirements;
        MatchesNothing = matchesNothing;
    }

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    /// <summary>A null structured selector selects nothing (as labels.Nothing()).</summary>
    public bool MatchesNothing { get; }

    public static readonly LabelSelector Everything = new([]);

    public static readonly LabelSelector Nothing = new([], true);

    public bool IsEmpty => Requirements.Count == 0 && !MatchesNothing;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
        => !MatchesNothing && Requirements.All(r => r.Matches(labels));

    public bool Matches(JsonObject obj) => Matches(obj.Get("metadata", "labels").StringMap());

    /// <summary>Parses the string form; throws 400 BadRequest like the real server on errors.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var parser = new Parser(text);
        var reqs = parser.ParseAll();
        return new LabelSelector(reqs);
    }

    /// <summary>Converts a metav1.LabelSelector object (null selects nothing, {} selects everything).</summary>
    public static LabelSelector FromJson(JsonNode? selector)
    {
        if (selector is not JsonObject o) return Nothing;
        var reqs = new List<LabelRequirement>();
        foreach (var (k, v) in o.Obj("matchLabels").StringMap().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            reqs.Add(new LabelRequirement(k, LabelOperator.Equals, [v]));
        }
        if (o.Arr("matchExpressions") is { } exprs)
        {
            foreach (var e in exprs.OfType<JsonObject>())
            {
                var key = e.Str("key") ?? "";
                var values = e.Arr("values")?.Select(JsonTools.Display).ToList() ?? [];
                var op = e.Str("operator") switch
                {
                    "In" => LabelOperator.In,
                    "NotIn" => LabelOperator.NotIn,
                    "Exists" => LabelOperator.Exists,
                    "DoesNotExist" => LabelOperator.DoesNotExist,
                    var other => throw Errors.BadRequest($"\"{other}\" is not a valid label selector operator"),
                };
                reqs.Add(new LabelRequirement(key, op, values));
            }
        }
        return new LabelSelector(reqs);
    }

    /// <summary>The canonical string form (as in Scale.status.selector).</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        foreach (var r in Requirements)
        {
            parts.Add(r.Operator switch
            {
                LabelOperator.Equals => $"{r.Key}={r.Values[0]}",
                LabelOperator.NotEquals => $"{r.Key}!={r.Values[0]}",
                LabelOperator.In => $"{r.Key} in ({string.Join(",", r.Values.Order(StringComparer.Ordinal))})",
                LabelOperator.NotIn => $"{r.Key} notin ({string.Join(",", r.Values.Order(StringComparer.Ordinal))})",
                LabelOperator.Exists => r.Key,
                LabelOperator.DoesNotExist => "!" + r.Key,
                LabelOperator.GreaterThan => $"{r.Key}>{r.Values[0]}",
                _ => $"{r.Key}<{r.Values[0]}",
            });
        }
        return string.Join(",", parts);
    }

    private sealed class Parser
    {
        private readonly string text;
        private int pos;

        public Parser(string text) => this.text = text;

        public List<LabelRequirement> ParseAll()
        {
            var result = new List<LabelRequirement>();
            while (true)
            {
                SkipSpace();
                if (pos >= text.Length)
                {
                    if (result.Count == 0 || text.TrimEnd().EndsWith(',')) throw Fail("found '', expected: !, identifier, or 'end of string'");
                    break;
                }
                result.Add(ParseRequirement());
                SkipSpace();
                if (pos >= text.Length) break;
                if (text[pos] != ',') throw Fail($"found '{text[pos]}', expected: ',' or 'end of string'");
                pos++;
            }
            return result;
        }

        private LabelRequirement ParseRequirement()
        {
            var negate = false;
            if (text[pos] == '!')
            {
                negate = true;
                pos++;
                SkipSpace();
            }
            var key = ReadIdentifier();
            if (key.Length == 0) throw Fail("found '" + (pos < text.Length ? text[pos].ToString() : "") + "', expected: identifier");
            ValidateKey(key);
            if (negate) return new LabelRequirement(key, LabelOperator.DoesNotExist, []);
            SkipSpace();
            if (pos >= text.Length || text[pos] == ',') return new LabelRequirement(key, LabelOperator.Exists, []);

            LabelOperator op;
            if (Match("==")) op = LabelOperator.Equals;
            else if (Match("!=")) op = LabelOperator.NotEquals;
            else if (Match("=")) op = LabelOperator.Equals;
            else if (Match(">")) op = LabelOperator.GreaterThan;
            else if (Match("<")) op = LabelOperator.LessThan;
            else if (MatchWord("notin")) op = LabelOperator.NotIn;
            else if (MatchWord("in")) op = LabelOperator.In;
            else throw Fail($"found '{ReadIdentifier()}', expected: in, notin, =, ==, !=, gt, lt");

            SkipSpace();
            if (op is LabelOperator.In or LabelOperator.NotIn)
            {
                if (pos >= text.Length || text[pos] != '(') throw Fail("found '" + Rest() + "', expected: '('");
                pos++;
                var values = new List<string>();
                while (true)
                {
                    SkipSpace();
                    var v = ReadIdentifier();
                    ValidateValue(v);
                    values.Add(v);
                    SkipSpace();
                    if (pos < text.Length && text[pos] == ',') { pos++; continue; }
                    if (pos < text.Length && text[pos] == ')') { pos++; break; }
                    throw Fail("found '" + Rest() + "', expected: ',', or ')'");
                }
                return new LabelRequirement(key, op, values);
            }

            var value = ReadIdentifier();
            ValidateValue(value);
            if (op is LabelOperator.GreaterThan or LabelOperator.LessThan && !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            {
                throw Fail($"for 'Gt', 'Lt' operators, the value must be an integer");
            }
            return new LabelRequirement(key, op, [value]);
        }

        private string ReadIdentifier()
        {
            var sb = new StringBuilder();
            while (pos < text.Length && !char.IsWhiteSpace(text[pos]) && text[pos] is not (',' or '=' or '!' or '(' or ')' or '<' or '>'))
            {
                sb.Append(text[pos++]);
            }
            return sb.ToString();
        }

        private bool Match(string token)
        {
            if (string.CompareOrdinal(text, pos, token, 0, token.Length) != 0) return false;
            pos += token.Length;
            return true;
        }

        private bool MatchWord(string word)
        {
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) return false;
            var end = pos + word.Length;
            if (end < text.Length && !char.IsWhiteSpace(text[end]) && text[end] != '(') return false;
            pos = end;
            return true;
        }

        private string Rest() => pos < text.Length ? text[pos..] : "";

        private void SkipSpace()
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
        }

        private void ValidateKey(string key)
        {
            var problems = NameRules.IsQualifiedName(key).ToList();
            if (problems.Count > 0) throw Errors.BadRequest($"unable to parse requirement: key: Invalid value: \"{key}\": {problems[0]}");
        }

        private static void ValidateValue(string value)
        {
            var problems = NameRules.IsValidLabelValue(value).ToList();
            if (problems.Count > 0) throw Errors.BadRequest($"unable to parse requirement: values[0][{value}]: Invalid value: \"{value}\": {problems[0]}");
        }

        private KubeApiException Fail(string detail)
            => Errors.BadRequest($"unable to parse requirement: {detail}");
    }
}
