using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Errors;
using YamlDotNet.Core;

namespace Wild.Backup.Core.Yaml;

/// <summary>
/// A YAML document kept as its original text, edited by splicing that text where the parser says a node lives.
/// Everything not edited — other keys, comments, key order, quoting, blank lines — stays byte for byte.
/// Every edit is re-parsed and checked: the edited value equals what was asked for and the rest of the document
/// is semantically unchanged; otherwise the edit throws and nothing is written.
/// </summary>
/// <remarks>Used for config.yaml / secrets.yaml: extract <c>apps.{app}</c>, drop <c>apps</c> for the cluster part,
/// merge a backed-up section back. Labels, not contents, appear in errors: these files hold secrets.</remarks>
public sealed partial class YamlDocumentText
{
    private readonly YNode? _root;
    private readonly int[] _lineStarts;

    private YamlDocumentText(string text, string label)
    {
        Text = text;
        Label = label;
        _root = YamlNodeTree.Parse(text, label);
        if (_root is not null and not YMapping)
            throw new InvalidInputException("InvalidYaml", $"{label} must be a YAML mapping at the top level.");
        _lineStarts = LineStarts(text);
    }

    /// <summary>The document's text.</summary>
    public string Text { get; }

    /// <summary>What the document is called in messages ("config.yaml").</summary>
    public string Label { get; }

    public static YamlDocumentText Parse(string text, string label = "YAML document") => new(text, label);

    public static YamlDocumentText Load(string path, string? label = null) =>
        new(File.ReadAllText(path), label ?? System.IO.Path.GetFileName(path));

    /// <summary>True when the mapping path exists.</summary>
    public bool Contains(IReadOnlyList<string> path) => FindEntry(path) is not null;

    /// <summary>The scalar value at a path, or null when absent or not a scalar.</summary>
    public string? GetScalar(IReadOnlyList<string> path) => FindEntry(path)?.Value is YScalar { IsNull: false } s ? s.Value : null;

    /// <summary>For a sequence at <paramref name="path"/>: each item's <paramref name="field"/> (items that are mappings)
    /// or the item itself (plain scalars). Empty when absent.</summary>
    public IReadOnlyList<string> GetSequenceOfMappingsField(IReadOnlyList<string> path, string field)
    {
        if (FindEntry(path)?.Value is not YSequence seq) return [];
        var list = new List<string>();
        foreach (var item in seq.Items)
        {
            if (item is YScalar { IsNull: false } s) list.Add(s.Value);
            else if (item is YMapping m && m.Find(field)?.Value is YScalar { IsNull: false } f) list.Add(f.Value);
        }
        return list;
    }

    /// <summary>
    /// The value at <paramref name="path"/> as a standalone YAML document (its comments and layout kept, indentation
    /// removed), ending in a newline; null when the path is absent.
    /// </summary>
    public string? ExtractValue(IReadOnlyList<string> path)
    {
        if (FindEntry(path) is not { } entry) return null;
        var (key, value) = entry;
        if (LineOf(value.Start) == key.Line && !IsBlockCollection(value))
        {
            // Inline value: a scalar or flow collection on the key's line (a block scalar continues below it).
            var raw = Text[value.Start..value.ContentEnd].TrimEnd('\r', '\n');
            return raw + "\n";
        }
        var first = key.Line + 1;
        var last = ValueLastLine(entry.Key, value);
        var indent = IndentOf(value);
        var sb = new StringBuilder();
        for (var l = first; l <= last; l++)
        {
            var line = LineText(l);
            sb.Append(Dedent(line, indent)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The whole entry at a top-level <paramref name="key"/> — the comment lines directly above it, the key line and
    /// its value — as text, for carrying it into another document. Null when absent.
    /// </summary>
    public string? ExtractTopLevelEntry(string key)
    {
        if (_root is not YMapping m || m.Find(key) is not { } entry) return null;
        var (first, last) = EntryLines(entry);
        return LinesText(first, last);
    }

    /// <summary>The top-level key just before <paramref name="key"/>, or null when it is the first (or absent).</summary>
    public string? TopLevelKeyBefore(string key)
    {
        if (_root is not YMapping m) return null;
        var i = m.Entries.FindIndex(e => e.Key is YScalar s && s.Value == key);
        return i > 0 && m.Entries[i - 1].Key is YScalar prev ? prev.Value : null;
    }

    /// <summary>The document without the entry at <paramref name="path"/> (and the comments directly above it).</summary>
    public YamlDocumentText Remove(IReadOnlyList<string> path)
    {
        if (FindEntry(path) is not { } entry) return this;
        var parent = (YMapping)FindNode(path.Take(path.Count - 1).ToList())!;
        string result;
        if (parent.Flow)
        {
            var index = parent.Entries.FindIndex(e => ReferenceEquals(e.Key, entry.Key));
            int start, end;
            if (index < parent.Entries.Count - 1)
            {
                start = entry.Key.Start;
                end = parent.Entries[index + 1].Key.Start;
            }
            else if (index > 0)
            {
                start = parent.Entries[index - 1].Value.ContentEnd;
                end = entry.Value.ContentEnd;
            }
            else
            {
                start = entry.Key.Start;
                end = entry.Value.ContentEnd;
            }
            result = Text[..start] + Text[end..];
        }
        else
        {
            var (first, last) = EntryLines(entry);
            result = Text[.._lineStarts[first]] + Text[LineEndIncludingNewline(last)..];
            if (parent.Entries.Count == 1 && path.Count > 1)
            {
                // The parent mapping would become empty, and an empty block is no mapping: make it an explicit {}.
                var parentEntry = FindEntry(path.Take(path.Count - 1).ToList())!.Value;
                var keyLineEnd = LineContentEnd(parentEntry.Key.Line);
                var insertAt = ColonEnd(parentEntry.Key);
                var edited = Text[..insertAt] + " {}" + Text[insertAt..keyLineEnd] + Text[keyLineEnd.._lineStarts[first]] + Text[LineEndIncludingNewline(last)..];
                result = edited;
            }
        }
        return Checked(result, path, expected: null, removing: true);
    }

    /// <summary>
    /// The document with the value at <paramref name="path"/> set to <paramref name="valueYaml"/> (a standalone YAML
    /// document such as <see cref="ExtractValue"/> returns). Missing parents are created. Everything else stays as it was.
    /// </summary>
    public YamlDocumentText SetValue(IReadOnlyList<string> path, string valueYaml)
    {
        if (path.Count == 0) throw new ArgumentException("path is empty", nameof(path));
        var replacement = new Replacement(valueYaml, Label);
        var result = FindEntry(path) is { } entry ? ReplaceValue(entry, replacement) : InsertValue(path, replacement);
        return Checked(result, path, replacement.Node, removing: false);
    }

    /// <summary>Inserts raw entry text (from <see cref="ExtractTopLevelEntry"/>) as a top-level entry, placed after the
    /// top-level key <paramref name="after"/> when it exists, first when <paramref name="after"/> is null, else last.</summary>
    public YamlDocumentText InsertTopLevelEntry(string entryText, string? after, bool first)
    {
        if (!entryText.EndsWith('\n')) entryText += "\n";
        string result;
        if (_root is not YMapping m || m.Entries.Count == 0)
        {
            result = Text.Length == 0 || Text.EndsWith('\n') ? Text + entryText : Text + "\n" + entryText;
        }
        else if (m.Flow)
        {
            throw new InvalidInputException("UnsupportedYamlLayout", $"{Label} uses a flow mapping at the top level; it cannot be merged while keeping its layout.");
        }
        else
        {
            var anchor = after is not null ? m.Find(after) : null;
            int at;
            if (anchor is { } a) at = LineEndIncludingNewline(EntryLines(a).Last);
            else if (first && after is null) at = _lineStarts[EntryLines(m.Entries[0]).First];
            else at = Text.Length;
            var prefix = Text[..at];
            if (prefix.Length > 0 && !prefix.EndsWith('\n')) prefix += "\n";
            result = prefix + entryText + Text[at..];
        }
        return new YamlDocumentText(result, Label);
    }

    // ----- replacing and inserting -----

    private string ReplaceValue((YNode Key, YNode Value) entry, Replacement r)
    {
        var (key, value) = entry;
        var parent = ParentOf(key);
        if (parent is { Flow: true } || IsInsideFlow(value))
        {
            return Text[..value.Start] + r.AsFlow() + Text[value.ContentEnd..];
        }
        var valueIsBelowKey = LineOf(value.Start) > key.Line || IsBlockCollection(value);
        var childIndent = valueIsBelowKey ? IndentOf(value) : key.Column + IndentStep();
        if (valueIsBelowKey)
        {
            var first = key.Line + 1;
            var last = ValueLastLine(key, value);
            var before = Text[.._lineStarts[first]];
            var after = Text[LineEndIncludingNewline(last)..];
            if (r.IsBlock)
            {
                return before + Indent(r.Text, childIndent) + after;
            }
            // Inline replacement goes onto the key line, right after the colon; nothing below the key remains.
            var colon = ColonEnd(key);
            return Text[..colon] + " " + IndentContinuation(r.Text.TrimEnd('\n'), childIndent) + Text[colon.._lineStarts[first]] + after;
        }
        // The value sits on the key's line (scalar, flow collection, or the header of a block scalar).
        var valueEnd = value.ContentEnd;
        if (!r.IsBlock)
        {
            var endsLine = valueEnd > 0 && Text[valueEnd - 1] == '\n';
            var text = IndentContinuation(r.Text.TrimEnd('\n'), childIndent) + (endsLine ? "\n" : "");
            return Text[..value.Start] + text + Text[valueEnd..];
        }
        {
            // Block replacement: drop the inline value, keep whatever else is on the key line (a comment), put the block below.
            var start = value.Start;
            while (start > 0 && Text[start - 1] == ' ') start--;
            var head = Text[..start];
            var rest = Text[valueEnd..];
            var lineEnd = rest.IndexOf('\n');
            var keyLineRest = lineEnd < 0 ? rest : rest[..lineEnd];
            var after = lineEnd < 0 ? "" : rest[(lineEnd + 1)..];
            if (valueEnd > 0 && Text[valueEnd - 1] == '\n')
            {
                keyLineRest = "";
                after = rest;
            }
            return head + keyLineRest + "\n" + Indent(r.Text, childIndent) + after;
        }
    }

    private string InsertValue(IReadOnlyList<string> path, Replacement r)
    {
        // Walk down to the deepest existing mapping, then add the missing keys below it.
        var depth = 0;
        YNode? node = _root;
        while (depth < path.Count - 1 && node is YMapping m && m.Find(path[depth]) is { } e && e.Value is YMapping)
        {
            node = e.Value;
            depth++;
        }
        var missing = path.Skip(depth).ToList();
        if (depth < path.Count - 1 && node is YMapping pm && pm.Find(path[depth]) is { } blocker && blocker.Value is not YMapping)
        {
            // e.g. "apps:" with a null value, or "apps: {}" parsed as flow — replace that value with a fresh mapping.
            if (blocker.Value is YScalar { IsNull: true })
            {
                var nested = BuildBlock(missing.Skip(1).ToList(), r, 0);
                return ReplaceValue(blocker, new Replacement(nested, Label));
            }
            throw new InvalidInputException("UnsupportedYamlLayout",
                $"{Label}: '{string.Join('.', path.Take(depth + 1))}' is not a mapping, so '{string.Join('.', path)}' cannot be set.");
        }
        if (node is null)
        {
            var block = BuildBlock(missing, r, 0);
            return Text.Length == 0 || Text.EndsWith('\n') ? Text + block : Text + "\n" + block;
        }
        var mapping = (YMapping)node;
        if (mapping.Flow)
        {
            var flow = FlowFor(missing, r);
            var close = mapping.End - 1; // the '}'
            var sep = mapping.Entries.Count == 0 ? "" : ", ";
            return Text[..close].TrimEnd() + sep + flow + Text[close..];
        }
        if (mapping.Entries.Count == 0)
        {
            throw new InvalidInputException("UnsupportedYamlLayout", $"{Label}: cannot add '{string.Join('.', path)}' to an empty mapping.");
        }
        var indent = mapping.Entries[0].Key.Column;
        var lastEntry = mapping.Entries[^1];
        var lastLine = EntryLines(lastEntry).Last;
        var insertAt = LineEndIncludingNewline(lastLine);
        var textToInsert = BuildBlock(missing, r, indent);
        var before = Text[..insertAt];
        if (!before.EndsWith('\n')) before += "\n";
        return before + textToInsert + Text[insertAt..];
    }

    private string BuildBlock(IReadOnlyList<string> keys, Replacement r, int indent)
    {
        var step = IndentStep();
        var sb = new StringBuilder();
        for (var i = 0; i < keys.Count; i++)
        {
            var pad = new string(' ', indent + i * step);
            sb.Append(pad).Append(KeyText(keys[i])).Append(':');
            if (i < keys.Count - 1)
            {
                sb.Append('\n');
                continue;
            }
            if (r.IsBlock) sb.Append('\n').Append(Indent(r.Text, indent + (i + 1) * step));
            else sb.Append(' ').Append(IndentContinuation(r.Text.TrimEnd('\n'), indent + (i + 1) * step)).Append('\n');
        }
        return sb.ToString();
    }

    private static string FlowFor(IReadOnlyList<string> keys, Replacement r)
    {
        var s = r.AsFlow();
        for (var i = keys.Count - 1; i >= 0; i--) s = i == keys.Count - 1 ? $"{KeyText(keys[i])}: {s}" : $"{KeyText(keys[i])}: {{{s}}}";
        return s;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]
    private static partial Regex PlainKey();

    private static string KeyText(string key) => PlainKey().IsMatch(key) ? key : JsonSerializer.Serialize(key);

    // ----- the check after every edit -----

    private YamlDocumentText Checked(string result, IReadOnlyList<string> path, YNode? expected, bool removing)
    {
        YamlDocumentText doc;
        try
        {
            doc = new YamlDocumentText(result, Label);
        }
        catch (InvalidInputException)
        {
            throw new InvalidInputException("YamlEditFailed",
                $"Editing '{string.Join('.', path)}' in {Label} would produce invalid YAML; the file was left unchanged. Check its layout.");
        }
        var ok = removing
            ? doc.FindEntry(path) is null
            : doc.FindEntry(path) is { } e && YamlNodeTree.SemanticallyEqual(e.Value, expected);
        // Everything else must be untouched.
        ok = ok && YamlNodeTree.SemanticallyEqual(Without(_root, path), Without(doc._root, path));
        if (!ok)
        {
            throw new InvalidInputException("YamlEditFailed",
                $"Editing '{string.Join('.', path)}' in {Label} did not give the expected result; the file was left unchanged. Check its layout.");
        }
        return doc;
    }

    /// <summary>A shallow structural copy of <paramref name="root"/> with the entry at <paramref name="path"/> gone,
    /// and mappings emptied by that removal treated as absent.</summary>
    private static YNode? Without(YNode? root, IReadOnlyList<string> path)
    {
        if (root is not YMapping m || path.Count == 0) return root;
        var copy = new YMapping { Flow = m.Flow, Start = m.Start, End = m.End };
        foreach (var (k, v) in m.Entries)
        {
            if (k is YScalar ks && ks.Value == path[0])
            {
                if (path.Count == 1) continue;
                var inner = Without(v, path.Skip(1).ToList());
                if (inner is YMapping { Entries.Count: 0 } || inner is YScalar { IsNull: true } || inner is null) continue;
                copy.Entries.Add((k, inner));
            }
            else
            {
                copy.Entries.Add((k, v));
            }
        }
        return copy;
    }

    // ----- finding things -----

    private (YNode Key, YNode Value)? FindEntry(IReadOnlyList<string> path)
    {
        if (path.Count == 0) return null;
        YNode? node = _root;
        (YNode Key, YNode Value)? entry = null;
        foreach (var p in path)
        {
            if (node is not YMapping m) return null;
            entry = m.Find(p);
            if (entry is null) return null;
            node = entry.Value.Value;
        }
        return entry;
    }

    private YNode? FindNode(IReadOnlyList<string> path) => path.Count == 0 ? _root : FindEntry(path)?.Value;

    private YMapping? ParentOf(YNode key)
    {
        YMapping? found = null;
        void Walk(YNode? n)
        {
            if (found is not null || n is null) return;
            if (n is YMapping m)
            {
                foreach (var (k, v) in m.Entries)
                {
                    if (ReferenceEquals(k, key)) { found = m; return; }
                    Walk(v);
                }
            }
            else if (n is YSequence s)
            {
                foreach (var i in s.Items) Walk(i);
            }
        }
        Walk(_root);
        return found;
    }

    private bool IsInsideFlow(YNode node)
    {
        bool Walk(YNode? n, bool inFlow)
        {
            if (n is null) return false;
            if (ReferenceEquals(n, node)) return inFlow;
            return n switch
            {
                YMapping m => m.Entries.Any(e => Walk(e.Value, inFlow || m.Flow)),
                YSequence s => s.Items.Any(i => Walk(i, inFlow || s.Flow)),
                _ => false,
            };
        }
        return Walk(_root, false);
    }

    private static bool IsBlockCollection(YNode n) => n is YMapping { Flow: false, Entries.Count: > 0 } or YSequence { Flow: false, Items.Count: > 0 };

    // ----- lines -----

    /// <summary>First and last line of an entry in a block mapping: comment lines directly above the key at the key's
    /// column, through the value's last line (with comments indented deeper than the key that follow it).</summary>
    private (int First, int Last) EntryLines((YNode Key, YNode Value) entry)
    {
        var first = entry.Key.Line;
        while (first > 0 && IsCommentAt(first - 1, entry.Key.Column)) first--;
        return (first, ValueLastLine(entry.Key, entry.Value));
    }

    private int ValueLastLine(YNode key, YNode value)
    {
        var end = Math.Max(value.ContentEnd, key.ContentEnd);
        var last = LineOf(Math.Max(end - 1, value.Start));
        // Comments (and the blank lines between them) indented deeper than the key belong to this value.
        var l = last + 1;
        var lastKept = last;
        while (l < _lineStarts.Length)
        {
            var t = LineText(l);
            var trimmed = t.TrimStart(' ');
            if (trimmed.Length == 0 || trimmed.StartsWith('\r')) { l++; continue; }
            if (trimmed.StartsWith('#') && t.Length - trimmed.Length > key.Column) { lastKept = l; l++; continue; }
            break;
        }
        return lastKept;
    }

    private bool IsCommentAt(int line, int column)
    {
        var t = LineText(line);
        var trimmed = t.TrimStart(' ');
        return trimmed.StartsWith('#') && t.Length - trimmed.Length == column;
    }

    /// <summary>Column of a block value's first line of content below its key.</summary>
    private static int IndentOf(YNode value) => value.Column;

    private int IndentStep()
    {
        int? step = null;
        void Walk(YNode? n)
        {
            if (step is not null || n is not YMapping { Flow: false } m) return;
            foreach (var (k, v) in m.Entries)
            {
                if (v is YMapping { Flow: false, Entries.Count: > 0 } child && child.Column > k.Column)
                {
                    step = child.Column - k.Column;
                    return;
                }
                Walk(v);
            }
        }
        Walk(_root);
        return step ?? 2;
    }

    private int ColonEnd(YNode key)
    {
        var i = key.End;
        while (i < Text.Length && Text[i] != ':') i++;
        return Math.Min(i + 1, Text.Length);
    }

    private int LineOf(int index)
    {
        var i = Array.BinarySearch(_lineStarts, index);
        return i >= 0 ? i : ~i - 1;
    }

    private string LineText(int line)
    {
        var start = _lineStarts[line];
        var end = line + 1 < _lineStarts.Length ? _lineStarts[line + 1] - 1 : Text.Length;
        if (end < start) end = start;
        var s = Text[start..end].TrimEnd('\n');
        return s.EndsWith('\r') ? s[..^1] : s;
    }

    private int LineContentEnd(int line)
    {
        var end = line + 1 < _lineStarts.Length ? _lineStarts[line + 1] - 1 : Text.Length;
        if (end > 0 && end <= Text.Length && end > _lineStarts[line] && Text[end - 1] == '\r') end--;
        return end;
    }

    private int LineEndIncludingNewline(int line) => line + 1 < _lineStarts.Length ? _lineStarts[line + 1] : Text.Length;

    private string LinesText(int first, int last) => Text[_lineStarts[first]..LineEndIncludingNewline(last)];

    private static int[] LineStarts(string text)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' && i + 1 < text.Length) starts.Add(i + 1);
        }
        return starts.ToArray();
    }

    private static string Dedent(string line, int indent)
    {
        var n = 0;
        while (n < indent && n < line.Length && line[n] == ' ') n++;
        return line[n..];
    }

    /// <summary>Indents every non-empty line of a standalone block document.</summary>
    private static string Indent(string text, int indent)
    {
        var pad = new string(' ', indent);
        var sb = new StringBuilder();
        foreach (var line in SplitLines(text))
        {
            if (line.Trim().Length == 0) sb.Append('\n');
            else sb.Append(pad).Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Indents the continuation lines of a value that starts mid-line (multi-line flow or block scalar).</summary>
    private static string IndentContinuation(string text, int indent)
    {
        var lines = SplitLines(text);
        if (lines.Count <= 1) return text;
        var pad = new string(' ', indent);
        return lines[0] + "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Trim().Length == 0 ? "" : pad + l));
    }

    private static List<string> SplitLines(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    /// <summary>A value to put into the document, parsed once.</summary>
    private sealed class Replacement
    {
        public Replacement(string text, string label)
        {
            Text = text.EndsWith('\n') ? text : text + "\n";
            var node = YamlNodeTree.Parse(Text, label + " (new value)");
            Node = node;
            IsBlock = node is not null && IsBlockCollection(node);
            if (node is null) Text = "null\n";
        }

        public string Text { get; }
        public YNode? Node { get; }
        public bool IsBlock { get; }

        /// <summary>The value as single-line flow YAML (for a flow parent).</summary>
        public string AsFlow() => Node is null ? "null" : ToFlow(Node, Text);

        private static string ToFlow(YNode n, string source) => n switch
        {
            YMapping m => "{" + string.Join(", ", m.Entries.Select(e => ToFlow(e.Key, source) + ": " + ToFlow(e.Value, source))) + "}",
            YSequence s => "[" + string.Join(", ", s.Items.Select(i => ToFlow(i, source))) + "]",
            YScalar sc when sc.Style is ScalarStyle.Plain or ScalarStyle.Any && sc.Value.IndexOfAny([',', '[', ']', '{', '}', '#', '\n']) < 0 && !sc.Value.Contains(": ") =>
                (sc.Tag is { } t ? "!" + t.TrimStart('!') + " " : "") + (sc.Value.Length == 0 ? "null" : sc.Value),
            YScalar sc => JsonSerializer.Serialize(sc.Value),
            YAlias a => "*" + a.Name,
            _ => throw new InvalidOperationException(),
        };
    }
}
