using System.Globalization;
using System.Text.Json;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// Reads one JSON object the way Go's <c>encoding/json.Unmarshal</c> fills a struct: keys match field names exactly
/// or case-insensitively, a later duplicate key wins, unknown keys are kept aside (so a cfg written by a newer
/// Longhorn round-trips), <c>null</c> leaves the zero value. Values with the <c>json:",string"</c> option are
/// read as Longhorn writes them and, leniently, also in their plain form.
/// Type errors raise <see cref="FormatException"/>; callers turn them into CorruptBackupException with the file path.
/// </summary>
internal sealed class GoJsonObject
{
    private readonly Dictionary<string, JsonElement> _fields = new(StringComparer.Ordinal);

    public GoJsonObject(JsonElement obj, IReadOnlyList<string> knownFields)
    {
        if (obj.ValueKind != JsonValueKind.Object) throw new FormatException($"expected a JSON object, found {obj.ValueKind}");
        foreach (var p in obj.EnumerateObject())
        {
            var field = Match(p.Name, knownFields);
            if (field is null)
            {
                Unknown.RemoveAll(u => u.Key == p.Name);
                Unknown.Add(new KeyValuePair<string, string>(p.Name, p.Value.GetRawText()));
            }
            else
            {
                _fields[field] = p.Value.Clone();
            }
        }
    }

    /// <summary>Members no known field took, in file order, as raw JSON.</summary>
    public List<KeyValuePair<string, string>> Unknown { get; } = [];

    public bool Has(string field) => _fields.ContainsKey(field);

    public bool IsNull(string field) => !_fields.TryGetValue(field, out var e) || e.ValueKind == JsonValueKind.Null;

    public bool TryGet(string field, out JsonElement value) => _fields.TryGetValue(field, out value) && value.ValueKind != JsonValueKind.Null;

    public string GetString(string field)
    {
        if (!TryGet(field, out var e)) return "";
        if (e.ValueKind != JsonValueKind.String) throw new FormatException($"{field} must be a string");
        return e.GetString()!;
    }

    /// <summary>A string tagged <c>json:",string"</c>: <c>"\"lz4\""</c> → lz4. A plain <c>"lz4"</c> is accepted too.</summary>
    public string GetQuotedString(string field)
    {
        var outer = GetString(field);
        if (outer.Length >= 2 && outer[0] == '"')
        {
            try
            {
                using var doc = JsonDocument.Parse(outer);
                if (doc.RootElement.ValueKind == JsonValueKind.String) return doc.RootElement.GetString()!;
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{field} holds a broken quoted string", ex);
            }
        }
        return outer;
    }

    /// <summary>An int64 tagged <c>json:",string"</c>: <c>"2097152"</c>. A bare number is accepted too.</summary>
    public long GetQuotedInt64(string field)
    {
        if (!TryGet(field, out var e)) return 0;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n)) return n;
        if (e.ValueKind == JsonValueKind.String)
        {
            var s = e.GetString()!;
            if (s.Length == 0) return 0;
            if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        }
        throw new FormatException($"{field} must be an integer in a string");
    }

    public long GetInt64(string field)
    {
        if (!TryGet(field, out var e)) return 0;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n)) return n;
        throw new FormatException($"{field} must be an integer");
    }

    public bool GetBool(string field)
    {
        if (!TryGet(field, out var e)) return false;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"{field} must be true or false"),
        };
    }

    /// <summary>A <c>map[string]string</c>; null when absent or JSON null.</summary>
    public IReadOnlyDictionary<string, string>? GetStringMap(string field)
    {
        if (!TryGet(field, out var e)) return null;
        if (e.ValueKind != JsonValueKind.Object) throw new FormatException($"{field} must be an object of strings");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            map[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString()!,
                JsonValueKind.Null => "",
                _ => throw new FormatException($"{field}.{p.Name} must be a string"),
            };
        }
        return map;
    }

    private static string? Match(string key, IReadOnlyList<string> fields)
    {
        foreach (var f in fields)
        {
            if (string.Equals(f, key, StringComparison.Ordinal)) return f;
        }
        foreach (var f in fields)
        {
            if (string.Equals(f, key, StringComparison.OrdinalIgnoreCase)) return f;
        }
        return null;
    }
}
