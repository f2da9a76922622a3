using System.Text;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Longhorn.BlockStore;

/// <summary>
/// Longhorn's backup URLs (backupstore EncodeBackupURL / DecodeBackupURL): the target URL with query parameters
/// <c>backup</c> and <c>volume</c> added to any it had, all sorted by key as Go's url.Values.Encode does:
/// <c>nfs://nas:/export?backup=backup-1&amp;volume=pvc-1</c>. Without a backup name it addresses the backup volume.
/// </summary>
public sealed record BackupUrl(string TargetUrl, string VolumeName, string? BackupName)
{
    public static string Encode(string targetUrl, string volumeName, string? backupName)
    {
        var (baseUrl, query) = Split(targetUrl);
        var pairs = ParseQuery(query);
        pairs.Add(("volume", volumeName));
        if (!string.IsNullOrEmpty(backupName)) pairs.Add(("backup", backupName));
        return baseUrl + "?" + EncodeQuery(pairs);
    }

    public static BackupUrl Decode(string url)
    {
        var (baseUrl, query) = Split(url);
        var pairs = ParseQuery(query);
        var volume = pairs.FirstOrDefault(p => p.Key == "volume").Value;
        var backup = pairs.FirstOrDefault(p => p.Key == "backup").Value;
        if (!BlockStorePaths.IsValidName(volume))
            throw new InvalidInputException("InvalidBackupUrl", $"The Longhorn backup URL '{url}' names no valid volume.");
        if (!string.IsNullOrEmpty(backup) && !BlockStorePaths.IsValidName(backup))
            throw new InvalidInputException("InvalidBackupUrl", $"The Longhorn backup URL '{url}' names an invalid backup '{backup}'.");
        pairs.RemoveAll(p => p.Key is "volume" or "backup");
        var target = pairs.Count == 0 ? baseUrl : baseUrl + "?" + EncodeQuery(pairs);
        return new BackupUrl(target, volume!, string.IsNullOrEmpty(backup) ? null : backup);
    }

    public override string ToString() => Encode(TargetUrl, VolumeName, BackupName);

    private static (string Base, string Query) Split(string url)
    {
        var q = url.IndexOf('?', StringComparison.Ordinal);
        return q < 0 ? (url, "") : (url[..q], url[(q + 1)..]);
    }

    private static List<(string Key, string Value)> ParseQuery(string query)
    {
        var list = new List<(string, string)>();
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var k = eq < 0 ? part : part[..eq];
            var v = eq < 0 ? "" : part[(eq + 1)..];
            list.Add((Unescape(k), Unescape(v)));
        }
        return list;
    }

    // url.Values.Encode: keys sorted, values in insertion order, QueryEscape on both.
    private static string EncodeQuery(List<(string Key, string Value)> pairs) =>
        string.Join('&', pairs.Select((p, i) => (p, i)).OrderBy(x => x.p.Key, StringComparer.Ordinal).ThenBy(x => x.i)
            .Select(x => Escape(x.p.Key) + "=" + Escape(x.p.Value)));

    // Go's url.QueryEscape: unreserved bytes as is, space as '+', everything else %XX upper case.
    private static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.' or '~') sb.Append(c);
            else if (c == ' ') sb.Append('+');
            else sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}
