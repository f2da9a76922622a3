using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Yaml;

/// <summary>A YAML node with its exact place in the source text (0-based char offsets, lines and columns).</summary>
internal abstract class YNode
{
    public int Start { get; init; }
    public int End { get; set; }
    public int Line { get; init; }
    public int Column { get; init; }
    public string? Anchor { get; init; }
    public string? Tag { get; init; }

    /// <summary>Offset just past the node's last character of content (for block collections, their last leaf).</summary>
    public abstract int ContentEnd { get; }
}

internal sealed class YScalar : YNode
{
    public required string Value { get; init; }
    public ScalarStyle Style { get; init; }
    public override int ContentEnd => End;

    /// <summary>A plain <c>null</c>, <c>~</c> or empty scalar.</summary>
    public bool IsNull => Style is ScalarStyle.Plain or ScalarStyle.Any && Value is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed class YMapping : YNode
{
    public bool Flow { get; init; }
    public List<(YNode Key, YNode Value)> Entries { get; } = [];
    public override int ContentEnd => Flow || Entries.Count == 0 ? End : Math.Max(Entries[^1].Value.ContentEnd, Entries[^1].Key.ContentEnd);

    public (YNode Key, YNode Value)? Find(string key)
    {
        foreach (var e in Entries)
        {
            if (e.Key is YScalar s && s.Value == key) return e;
        }
        return null;
    }
}

internal sealed class YSequence : YNode
{
    public bool Flow { get; init; }
    public List<YNode> Items { get; } = [];
    public override int ContentEnd => Flow || Items.Count == 0 ? End : Items[^1].ContentEnd;
}

internal sealed class YAlias : YNode
{
    public required string Name { get; init; }
    public override int ContentEnd => End;
}

/// <summary>Builds <see cref="YNode"/> trees from YamlDotNet's parser events (which carry start AND end marks).</summary>
internal static class YamlNodeTree
{
    /// <summary>Parses the first document of <paramref name="text"/>; null for an empty document.
    /// Parse errors become InvalidInputException naming <paramref name="label"/> and the position — never the content.</summary>
    public static YNode? Parse(string text, string label)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, text);
            parser.Consume<DocumentEnd>();
            return root is YScalar { IsNull: true, Value: "" } ? null : root;
        }
        catch (YamlException ex)
        {
            // The message of a YamlException can quote content; the file may hold secrets. Position only.
            throw new InvalidInputException("InvalidYaml",
                $"{label} is not valid YAML (line {ex.Start.Line}, column {ex.Start.Column}). Fix the file and try again.");
        }
    }

    private static YNode ReadNode(IParser parser, string text)
    {
        var ev = parser.Current ?? throw new InvalidOperationException("unexpected end of YAML events");
        switch (ev)
        {
            case Scalar s:
                parser.MoveNext();
                return new YScalar
                {
                    Value = s.Value, Style = s.Style, Start = (int)s.Start.Index, End = (int)s.End.Index,
                    Line = (int)s.Start.Line - 1, Column = (int)s.Start.Column - 1,
                    Anchor = s.Anchor.IsEmpty ? null : s.Anchor.Value, Tag = s.Tag.IsEmpty ? null : s.Tag.Value,
                };
            case MappingStart ms:
            {
                parser.MoveNext();
                var m = new YMapping
                {
                    Flow = ms.Style == MappingStyle.Flow, Start = (int)ms.Start.Index,
                    Line = (int)ms.Start.Line - 1, Column = (int)ms.Start.Column - 1,
                    Anchor = ms.Anchor.IsEmpty ? null : ms.Anchor.Value, Tag = ms.Tag.IsEmpty ? null : ms.Tag.Value,
                };
                while (parser.Current is not MappingEnd)
                {
                    var k = ReadNode(parser, text);
                    var v = ReadNode(parser, text);
                    m.Entries.Add((k, v));
                }
                m.End = CollectionEnd(parser.Current, text, m.Flow ? '}' : null);
                parser.MoveNext();
                return m;
            }
            case SequenceStart ss:
            {
                parser.MoveNext();
                var q = new YSequence
                {
                    Flow = ss.Style == SequenceStyle.Flow, Start = (int)ss.Start.Index,
                    Line = (int)ss.Start.Line - 1, Column = (int)ss.Start.Column - 1,
                    Anchor = ss.Anchor.IsEmpty ? null : ss.Anchor.Value, Tag = ss.Tag.IsEmpty ? null : ss.Tag.Value,
                };
                while (parser.Current is not SequenceEnd) q.Items.Add(ReadNode(parser, text));
                q.End = CollectionEnd(parser.Current, text, q.Flow ? ']' : null);
                parser.MoveNext();
                return q;
            }
            case AnchorAlias a:
                parser.MoveNext();
                return new YAlias { Name = a.Value.Value, Start = (int)a.Start.Index, End = (int)a.End.Index, Line = (int)a.Start.Line - 1, Column = (int)a.Start.Column - 1 };
            default:
                throw new InvalidOperationException($"unexpected YAML event {ev.GetType().Name}");
        }
    }

    // The end event of a flow collection is marked AT its closing bracket; the node ends just past it.
    private static int CollectionEnd(ParsingEvent end, string text, char? closing)
    {
        var i = (int)end.Start.Index;
        if (closing is { } c)
        {
            while (i < text.Length && text[i] != c) i++;
            return Math.Min(i + 1, text.Length);
        }
        return (int)end.End.Index;
    }

    /// <summary>Same data, whatever the style, comments or key order: scalars by value (and explicit tag), mappings by
    /// key → value, sequences in order. Aliases compare by name.</summary>
    public static bool SemanticallyEqual(YNode? a, YNode? b)
    {
        if (a is null || b is null) return IsNullish(a) && IsNullish(b);
        switch (a, b)
        {
            case (YScalar x, YScalar y):
                return x.Value == y.Value && x.Tag == y.Tag && Quotedness(x) == Quotedness(y);
            case (YMapping x, YMapping y):
                if (x.Entries.Count != y.Entries.Count) return false;
                foreach (var (k, v) in x.Entries)
                {
                    if (k is not YScalar ks) return false;
                    var other = y.Find(ks.Value);
                    if (other is null || !SemanticallyEqual(v, other.Value.Value)) return false;
                }
                return true;
            case (YSequence x, YSequence y):
                return x.Items.Count == y.Items.Count && x.Items.Zip(y.Items).All(p => SemanticallyEqual(p.First, p.Second));
            case (YAlias x, YAlias y):
                return x.Name == y.Name;
            default:
                return false;
        }
    }

    private static bool IsNullish(YNode? n) => n is null or YScalar { IsNull: true } or YMapping { Entries.Count: 0 };

    // A quoted "10" is a string, a plain 10 a number: the kind matters, the quote character does not.
    private static bool Quotedness(YScalar s) => s.Style is not (ScalarStyle.Plain or ScalarStyle.Any);
}
