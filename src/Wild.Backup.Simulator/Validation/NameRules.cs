using System.Text.RegularExpressions;

namespace Wild.Backup.Simulator.Validation;

/// <summary>
/// The name and key rules of k8s.io/apimachinery/pkg/util/validation, with the real error texts
/// (users see these in 422 responses).
/// </summary>
internal static partial class NameRules
{
    private const string Dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1123SubdomainFmt = Dns1123LabelFmt + @"(\." + Dns1123LabelFmt + ")*";
    private const string Dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private const string QualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string LabelValueFmt = "(" + QualifiedNameFmt + ")?";
    private const string ConfigMapKeyFmt = @"[-._a-zA-Z0-9]+";

    [GeneratedRegex("^" + Dns1123LabelFmt + "$")] private static partial Regex Dns1123Label();
    [GeneratedRegex("^" + Dns1123SubdomainFmt + "$")] private static partial Regex Dns1123Subdomain();
    [GeneratedRegex("^" + Dns1035LabelFmt + "$")] private static partial Regex Dns1035Label();
    [GeneratedRegex("^" + QualifiedNameFmt + "$")] private static partial Regex QualifiedName();
    [GeneratedRegex("^" + LabelValueFmt + "$")] private static partial Regex LabelValue();
    [GeneratedRegex("^" + ConfigMapKeyFmt + "$")] private static partial Regex ConfigMapKey();

    public static IEnumerable<string> IsDns1123Label(string value)
    {
        if (value.Length > 63) yield return "must be no more than 63 characters";
        if (!Dns1123Label().IsMatch(value))
        {
            yield return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" + Dns1123LabelFmt + "')";
        }
    }

    public static IEnumerable<string> IsDns1123Subdomain(string value)
    {
        if (value.Length > 253) yield return "must be no more than 253 characters";
        if (!Dns1123Subdomain().IsMatch(value))
        {
            yield return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + Dns1123SubdomainFmt + "')";
        }
    }

    public static IEnumerable<string> IsDns1035Label(string value)
    {
        if (value.Length > 63) yield return "must be no more than 63 characters";
        if (!Dns1035Label().IsMatch(value))
        {
            yield return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '" + Dns1035LabelFmt + "')";
        }
    }

    /// <summary>Path-segment rule: what every name must satisfy (no '/', no '%', not '.' or '..').</summary>
    public static IEnumerable<string> IsValidPathSegmentName(string value)
    {
        if (value is "." or "..") { yield return $"may not be '{value}'"; yield break; }
        if (value.Contains('/')) yield return "may not contain '/'";
        if (value.Contains('%')) yield return "may not contain '%'";
    }

    /// <summary>Label and annotation keys, finalizer names: [prefix/]name.</summary>
    public static IEnumerable<string> IsQualifiedName(string value)
    {
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                {
                    yield return "prefix part must be non-empty";
                }
                else
                {
                    foreach (var m in IsDns1123Subdomain(prefix)) yield return "prefix part " + m;
                }
                break;
            default:
                yield return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QualifiedNameFmt + "') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
                yield break;
        }
        if (name.Length == 0)
        {
            yield return "name part must be non-empty";
        }
        else if (name.Length > 63)
        {
            yield return "name part must be no more than 63 characters";
        }
        if (name.Length > 0 && !QualifiedName().IsMatch(name))
        {
            yield return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '" + QualifiedNameFmt + "')";
        }
    }

    public static IEnumerable<string> IsValidLabelValue(string value)
    {
        if (value.Length > 63) yield return "must be no more than 63 characters";
        if (!LabelValue().IsMatch(value))
        {
            yield return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '" + LabelValueFmt + "')";
        }
    }

    public static IEnumerable<string> IsConfigMapKey(string value)
    {
        if (value.Length > 253) yield return "must be no more than 253 characters";
        if (!ConfigMapKey().IsMatch(value)) yield return "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '" + ConfigMapKeyFmt + "')";
        if (value == ".") yield return "must not be '.'";
        else if (value == "..") yield return "must not be '..'";
        else if (value.StartsWith("..", StringComparison.Ordinal)) yield return "must not start with '..'";
    }
}
