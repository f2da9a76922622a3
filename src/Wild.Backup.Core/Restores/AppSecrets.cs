using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Kubernetes;
using Wild.Backup.Core.Kubernetes.Kustomize;

namespace Wild.Backup.Core.Restores;

/// <summary>
/// The Secrets a Wild Cloud app expects besides its manifests, as <c>wild app deploy</c> makes them:
/// <list type="bullet">
/// <item><c>{app}-secrets</c>, built from secrets.yaml — each <c>defaultSecrets</c> key of the manifest from
/// <c>apps.{app}.{key}</c>, each <c>requiredSecrets</c> entry <c>x.y</c> from <c>apps.x.y</c> (or <c>x.y</c>) — with the
/// backup's <c>apps.{app}</c> section in place of the instance's;</item>
/// <item>other Secrets the manifests refer to but do not define (<c>postgres-secrets</c> for a db-init job, a wildcard TLS
/// certificate, …), copied from the live app's namespace, the namespaces of the apps it requires, or cert-manager's.</item>
/// </list>
/// Values go only into Secret objects; messages name Secrets and keys, never values.
/// </summary>
internal static class AppSecrets
{
    /// <summary>The <c>{app}-secrets</c> Secret for <paramref name="ns"/>, or null when the manifest asks for none.</summary>
    public static JsonObject? BuildAppSecret(string app, string ns, JsonObject? manifest, JsonObject secrets, Action<string> warn)
    {
        var data = new JsonObject();
        foreach (var entry in manifest.Arr("defaultSecrets") ?? [])
        {
            var key = entry is JsonValue v && v.TryGetValue<string>(out var s) ? s : entry.Str("key");
            if (string.IsNullOrEmpty(key)) continue;
            if (Lookup(secrets, $"apps.{app}.{key}") is { } value) data[key] = Base64(value);
            else warn($"secrets.yaml has no apps.{app}.{key}; {app}-secrets lacks it.");
        }
        foreach (var entry in manifest.Arr("requiredSecrets") ?? [])
        {
            if (entry is not JsonValue v || !v.TryGetValue<string>(out var path) || path.Length == 0) continue;
            if ((Lookup(secrets, "apps." + path) ?? Lookup(secrets, path)) is { } value) data[path] = Base64(value);
            else warn($"secrets.yaml has no {path}; {app}-secrets lacks it.");
        }
        if (data.Count == 0) return null;
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = app + "-secrets", ["namespace"] = ns },
            ["type"] = "Opaque",
            ["data"] = data,
        };
    }

    /// <summary>A dotted path into the secrets document, as a string (null when absent or not a scalar).</summary>
    private static string? Lookup(JsonObject root, string dotted)
    {
        JsonNode? node = root;
        foreach (var part in dotted.Split('.'))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return null;
        }
        return node switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonValue v => v.ToJsonString(),
            _ => null,
        };
    }

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    /// <summary>Copies into <paramref name="ns"/> the Secrets the objects refer to that neither they nor
    /// <paramref name="provided"/> define, from the first of <paramref name="sources"/> that has them.</summary>
    public static async Task<IReadOnlyList<string>> CopyReferencedAsync(IKubernetesCluster cluster, IReadOnlyList<JsonObject> objects, string ns,
        IReadOnlySet<string> provided, IReadOnlyList<string> sources, Action<string> verbose, Action<string> warn, CancellationToken ct)
    {
        var defined = objects.Where(o => o.Kind() == "Secret").Select(o => o.Name()).ToHashSet(StringComparer.Ordinal);
        var wanted = objects.SelectMany(o => NameReferences.Referenced(o).Where(r => r.Kind == "Secret").Select(r => (r.Name, Who: o.Describe())))
            .Where(r => !defined.Contains(r.Name) && !provided.Contains(r.Name))
            .GroupBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
        var copied = new List<string>();
        foreach (var group in wanted)
        {
            JsonObject? found = null;
            string? from = null;
            foreach (var source in sources.Where(s => s != ns).Distinct(StringComparer.Ordinal))
            {
                found = await cluster.GetAsync(ResourceKind.Secret, source, group.Key, ct).ConfigureAwait(false);
                if (found is not null)
                {
                    from = source;
                    break;
                }
            }
            if (found is null || found.Str("type") == "kubernetes.io/service-account-token")
            {
                warn($"Secret {group.Key} (used by {group.First().Who}) is not defined by the app and was not found in {string.Join(", ", sources.Distinct())}; pods that need it will not start.");
                continue;
            }
            var metadata = new JsonObject { ["name"] = group.Key, ["namespace"] = ns };
            if (found.Obj("metadata", "labels") is { Count: > 0 } labels) metadata["labels"] = labels.DeepClone();
            if (Annotations(found) is { } annotations) metadata["annotations"] = annotations;
            var copy = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = metadata,
                ["type"] = found.Str("type") ?? "Opaque",
                ["data"] = found.Obj("data")?.DeepClone() ?? new JsonObject(),
            };
            verbose($"Copying Secret {group.Key} from namespace {from}");
            await cluster.ApplyAsync(ResourceKind.Secret, copy, ManifestApplier.FieldManager, force: true, ct).ConfigureAwait(false);
            copied.Add(group.Key);
        }
        return copied;
    }

    /// <summary>Annotations worth carrying over (cert-manager's certificate annotations, …), without client bookkeeping.</summary>
    private static JsonObject? Annotations(JsonObject secret)
    {
        if (secret.Obj("metadata", "annotations") is not { } a) return null;
        var copy = new JsonObject();
        foreach (var (k, v) in a)
        {
            if (k != "kubectl.kubernetes.io/last-applied-configuration") copy[k] = v?.DeepClone();
        }
        return copy.Count == 0 ? null : copy;
    }
}
