using System.Globalization;
using System.Text;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// Writes JSON exactly as Go's <c>encoding/json.Marshal</c> does for the structs Longhorn stores: compact, fields in
/// declaration order, map keys sorted byte-wise, strings escaped the Go way (<c>&lt; &gt; &amp;</c> as \u003c…, U+2028/9
/// escaped, \b \f \n \r \t short forms, other control characters as \u00xx, everything else raw UTF-8), and the
/// <c>json:",string"</c> option (numbers as "123", strings JSON-encoded a second time: <c>"\"lz4\""</c>).
/// </summary>
internal sealed class GoJsonWriter
{
    private readonly StringBuilder _sb = new(256);
    private readonly Stack<bool> _first = new();

    public GoJsonWriter BeginObject()
    {
        _sb.Append('{');
        _first.Push(true);
        return this;
    }

    public GoJsonWriter EndObject()
    {
        _first.Pop();
        _sb.Append('}');
        return this;
    }

    public GoJsonWriter BeginArray()
    {
        _sb.Append('[');
        _first.Push(true);
        return this;
    }

    public GoJsonWriter EndArray()
    {
        _first.Pop();
        _sb.Append(']');
        return this;
    }

    /// <summary>Starts an array element or an object member (writes the separating comma).</summary>
    public GoJsonWriter Next()
    {
        if (_first.Pop()) _first.Push(false);
        else
        {
            _first.Push(false);
            _sb.Append(',');
        }
        return this;
    }

    public GoJsonWriter Name(string name)
    {
        Next();
        _sb.Append(Quote(name, escapeHtml: true)).Append(':');
        return this;
    }

    public GoJsonWriter String(string name, string? value) => Name(name).RawValue(Quote(value ?? "", escapeHtml: true));

    /// <summary>A string field tagged <c>json:",string"</c>: the JSON string of the JSON string.</summary>
    public GoJsonWriter QuotedString(string name, string? value) =>
        Name(name).RawValue(Quote(Quote(value ?? "", escapeHtml: true), escapeHtml: false));

    public GoJsonWriter Int64(string name, long value) => Name(name).RawValue(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>An int64 field tagged <c>json:",string"</c>.</summary>
    public GoJsonWriter QuotedInt64(string name, long value) => Name(name).RawValue("\"" + value.ToString(CultureInfo.InvariantCulture) + "\"");

    public GoJsonWriter Bool(string name, bool value) => Name(name).RawValue(value ? "true" : "false");

    public GoJsonWriter Null(string name) => Name(name).RawValue("null");

    /// <summary>A <c>map[string]string</c>: null when absent, else keys in Go's (byte-wise) order.</summary>
    public GoJsonWriter StringMap(string name, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null) return Null(name);
        Name(name).BeginObject();
        foreach (var key in map.Keys.OrderBy(k => k, Utf8Order.Instance))
        {
            String(key, map[key]);
        }
        return EndObject();
    }

    public GoJsonWriter RawValue(string json)
    {
        _sb.Append(json);
        return this;
    }

    public byte[] ToUtf8() => new UTF8Encoding(false).GetBytes(_sb.ToString());

    public override string ToString() => _sb.ToString();

    /// <summary>Go's string encoder (encoding/json appendString).</summary>
    public static string Quote(string s, bool escapeHtml)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '<' or '>' or '&' when escapeHtml:
                case '\u2028' or '\u2029':
                case < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append("\\ufffd"); // Go replaces invalid UTF-8 with U+FFFD
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}

/// <summary>Go compares strings byte-wise (UTF-8); ordinal UTF-16 order differs only for supplementary characters.</summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        return Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
    }
}
