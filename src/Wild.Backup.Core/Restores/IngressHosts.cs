using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Wild.Backup.Core.Kubernetes;

namespace Wild.Backup.Core.Restores;

/// <summary>
/// The restored copy must not take the live app's traffic while it is being verified. Its ingress hosts get
/// <c>-restore</c> appended to their first label — <c>gitea.cloud.example.com</c> → <c>gitea-restore.cloud.example.com</c> —
/// which stays inside the same wildcard certificate and external-dns zone, so the copy can be opened in a browser. The
/// rule covers Ingress rules and TLS hosts, the <c>external-dns.alpha.kubernetes.io/hostname</c> annotation, and
/// Traefik IngressRoute <c>Host(`…`)</c> matches. Wildcard and host-less rules cannot be renamed; they are reported.
/// The switch applies the app's manifests as they are, which puts the original hosts on the restored copy.
/// </summary>
internal static partial class IngressHosts
{
    public const string Suffix = "-restore";
    private const string ExternalDnsHostname = "external-dns.alpha.kubernetes.io/hostname";

    /// <summary><c>gitea.cloud.example.com</c> → <c>gitea-restore.cloud.example.com</c> (the first label capped at 63 characters).</summary>
    public static string VerificationHost(string host)
    {
        var dot = host.IndexOf('.');
        var (label, rest) = dot < 0 ? (host, "") : (host[..dot], host[dot..]);
        if (label.Length + Suffix.Length > 63) label = label[..(63 - Suffix.Length)].TrimEnd('-');
        return label + Suffix + rest;
    }

    [GeneratedRegex(@"Host(SNI)?\(([^)]*)\)", RegexOptions.CultureInvariant)]
    private static partial Regex HostMatcher();

    [GeneratedRegex("`([^`]*)`", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    /// <summary>Rewrites the hosts of every ingress among <paramref name="objects"/> and returns what changed.</summary>
    public static IReadOnlyList<RestoredHost> Rewrite(IReadOnlyList<JsonObject> objects, Action<string> warn)
    {
        var hosts = new List<RestoredHost>();
        foreach (var o in objects)
        {
            string Rename(string host)
            {
                if (host.StartsWith('*'))
                {
                    warn($"{o.Describe()}: wildcard host '{host}' cannot be given a verification name; the restored copy may receive its traffic.");
                    return host;
                }
                var renamed = VerificationHost(host);
                if (!hosts.Any(h => h.Ingress == o.Name() && h.LiveHost == host)) hosts.Add(new RestoredHost(o.Name(), host, renamed));
                return renamed;
            }

            if (o.Kind() == "Ingress")
            {
                foreach (var rule in o.Arr("spec", "rules")?.OfType<JsonObject>() ?? [])
                {
                    if (rule.Str("host") is { Length: > 0 } host) rule["host"] = Rename(host);
                    else warn($"{o.Describe()}: a rule without a host matches every host; the restored copy may receive live traffic through it.");
                }
                foreach (var tls in o.Arr("spec", "tls")?.OfType<JsonObject>() ?? [])
                {
                    if (tls["hosts"] is not JsonArray list) continue;
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is JsonValue v && v.TryGetValue<string>(out var h)) list[i] = Rename(h);
                    }
                }
            }
            else if (o.Kind() == "IngressRoute" && o.ApiVersion().StartsWith("traefik.", StringComparison.Ordinal))
            {
                foreach (var route in o.Arr("spec", "routes")?.OfType<JsonObject>() ?? [])
                {
                    if (route.Str("match") is { } match)
                        route["match"] = HostMatcher().Replace(match, m => m.Value.Replace(m.Groups[2].Value, Quoted().Replace(m.Groups[2].Value, q => "`" + Rename(q.Groups[1].Value) + "`")));
                }
            }
            else
            {
                continue;
            }
            if (o.Obj("metadata", "annotations") is { } annotations && annotations.Str(ExternalDnsHostname) is { Length: > 0 } names)
                annotations[ExternalDnsHostname] = string.Join(",", names.Split(',').Select(n => n.Trim()).Where(n => n.Length > 0).Select(Rename));
        }
        return hosts;
    }
}
