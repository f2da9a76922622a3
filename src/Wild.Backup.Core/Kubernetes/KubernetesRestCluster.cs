using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Core.Kubernetes;

/// <summary>Deadlines of cluster access.</summary>
public sealed record ClusterOptions
{
    /// <summary>Deadline of one API request.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// <see cref="IKubernetesCluster"/> over KubernetesClient: the kubeconfig is loaded by KubernetesClient (CA, client
/// certificate or token, context), and requests go through its authenticated HttpClient as JSON REST calls, so any kind
/// — built-in or custom — is handled alike. Each request has its own deadline; transport failures and deadlines become
/// "Cannot reach the cluster …" (Unreachable); API errors become typed errors carrying the server's message.
/// </summary>
public sealed class KubernetesRestCluster : IKubernetesCluster
{
    private readonly k8s.Kubernetes _client;
    private readonly ClusterOptions _options;
    private readonly string _base;
    private readonly ConcurrentDictionary<string, Task<IReadOnlyList<ResourceKind>>> _discovery = new(StringComparer.Ordinal);

    private KubernetesRestCluster(k8s.Kubernetes client, string server, ClusterOptions options)
    {
        _client = client;
        _options = options;
        Server = server;
        _base = client.BaseUri.ToString().TrimEnd('/');
    }

    public string Server { get; }

    /// <summary>Opens the cluster a kubeconfig file names (its current context). NotFound when the file does not exist;
    /// Invalid when it cannot be used.</summary>
    public static KubernetesRestCluster FromKubeconfig(string path, ClusterOptions? options = null)
    {
        options ??= new ClusterOptions();
        if (!File.Exists(path))
            throw new NotFoundException("NoKubeconfig", $"There is no kubeconfig at {path}, so the cluster cannot be reached.") { Target = path };
        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or FormatException or IOException or ArgumentException
                                       or System.Security.Cryptography.CryptographicException or YamlDotNet.Core.YamlException or InvalidOperationException)
        {
            throw new InvalidInputException("KubeconfigInvalid", $"The kubeconfig at {path} cannot be used ({ex.GetType().Name}). Restore or regenerate it.") { Target = path };
        }
        config.HttpClientTimeout = options.CallTimeout + TimeSpan.FromSeconds(5);
        try
        {
            return new KubernetesRestCluster(new k8s.Kubernetes(config), config.Host ?? "(unknown server)", options);
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or FormatException or ArgumentException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            throw new InvalidInputException("KubeconfigInvalid", $"The kubeconfig at {path} cannot be used: its credentials do not load ({ex.GetType().Name}).") { Target = path };
        }
    }

    public async Task ProbeAsync(CancellationToken ct)
    {
        await SendAsync(HttpMethod.Get, "/version", null, null, "the API server version", ct).ConfigureAwait(false);
        await SendAsync(HttpMethod.Get, "/api/v1/namespaces?limit=1", null, null, "namespaces", ct).ConfigureAwait(false);
    }

    public async Task<ResourceKind> ResolveAsync(string apiVersion, string kind, CancellationToken ct)
    {
        if (ResourceKind.WellKnown.TryGetValue((apiVersion, kind), out var known)) return known;
        var list = _discovery.GetOrAdd(apiVersion, v => DiscoverAsync(v, CancellationToken.None));
        IReadOnlyList<ResourceKind> kinds;
        try
        {
            kinds = await list.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (WildBackupException)
        {
            _discovery.TryRemove(apiVersion, out _); // try again next time
            throw;
        }
        return kinds.FirstOrDefault(k => k.Kind == kind)
            ?? throw new NotFoundException("KindNotServed", $"The cluster at {Server} does not serve {kind} in {apiVersion} (is its CRD installed?).") { Target = kind };
    }

    private async Task<IReadOnlyList<ResourceKind>> DiscoverAsync(string apiVersion, CancellationToken ct)
    {
        var group = KubeJson.GroupOf(apiVersion);
        var version = KubeJson.VersionOf(apiVersion);
        var path = group.Length == 0 ? "/api/" + version : $"/apis/{group}/{version}";
        JsonNode? doc;
        try
        {
            doc = await SendAsync(HttpMethod.Get, path, null, null, apiVersion + " resources", ct).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("KindNotServed", $"The cluster at {Server} does not serve {apiVersion} (is its CRD installed?).") { Target = apiVersion };
        }
        var kinds = new List<ResourceKind>();
        foreach (var r in doc.Arr("resources") ?? [])
        {
            var name = r.Str("name");
            var k = r.Str("kind");
            if (name is null || k is null || name.Contains('/')) continue;
            kinds.Add(new ResourceKind(group, version, k, name, r.Bool("namespaced") ?? false));
        }
        return kinds;
    }

    public async Task<JsonObject?> GetAsync(ResourceKind kind, string? ns, string name, CancellationToken ct)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, kind.ObjectPath(ns, name), null, null, Describe(kind, ns, name), ct).ConfigureAwait(false) as JsonObject;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<JsonObject>> ListAsync(ResourceKind kind, string? ns, string? labelSelector, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        string? next = null;
        do
        {
            var query = "?limit=500";
            if (!string.IsNullOrEmpty(labelSelector)) query += "&labelSelector=" + Uri.EscapeDataString(labelSelector);
            if (next is not null) query += "&continue=" + Uri.EscapeDataString(next);
            var page = await SendAsync(HttpMethod.Get, kind.CollectionPath(ns) + query, null, null, $"{kind.Plural}" + (ns is null ? "" : $" in {ns}"), ct).ConfigureAwait(false);
            foreach (var item in page.Arr("items") ?? [])
            {
                if (item is not JsonObject o) continue;
                var copy = o.Clone();
                // Built-in list items come without apiVersion and kind.
                copy["apiVersion"] ??= kind.ApiVersion;
                copy["kind"] ??= kind.Kind;
                items.Add(copy);
            }
            next = page.Str("metadata", "continue");
        }
        while (!string.IsNullOrEmpty(next));
        return items;
    }

    public async Task<JsonObject> CreateAsync(ResourceKind kind, JsonObject obj, CancellationToken ct) =>
        (JsonObject)(await SendAsync(HttpMethod.Post, kind.CollectionPath(obj.Namespace()), obj, "application/json", Describe(kind, obj.Namespace(), obj.Name()), ct).ConfigureAwait(false))!;

    public async Task<JsonObject> ApplyAsync(ResourceKind kind, JsonObject obj, string fieldManager, bool force, CancellationToken ct)
    {
        var path = kind.ObjectPath(obj.Namespace(), obj.Name()) + "?fieldManager=" + Uri.EscapeDataString(fieldManager) + (force ? "&force=true" : "");
        return (JsonObject)(await SendAsync(HttpMethod.Patch, path, obj, "application/apply-patch+yaml", Describe(kind, obj.Namespace(), obj.Name()), ct).ConfigureAwait(false))!;
    }

    public async Task<bool> DeleteAsync(ResourceKind kind, string? ns, string name, CancellationToken ct)
    {
        var options = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = "Background" };
        try
        {
            await SendAsync(HttpMethod.Delete, kind.ObjectPath(ns, name), options, "application/json", Describe(kind, ns, name), ct).ConfigureAwait(false);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private static string Describe(ResourceKind kind, string? ns, string name) => string.IsNullOrEmpty(ns) ? $"{kind.Kind} {name}" : $"{kind.Kind} {ns}/{name}";

    /// <summary>One request under its own deadline; the answer's JSON, or a typed error.</summary>
    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, string? contentType, string what, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_options.CallTimeout);
        using var request = new HttpRequestMessage(method, _base + path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString()));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }
        HttpResponseMessage response;
        byte[] content;
        try
        {
            // Bearer tokens (and exec/OIDC token providers) are applied per request by KubernetesClient's credentials;
            // client certificates live in its HTTP handler.
            if (_client.Credentials is { } credentials) await credentials.ProcessHttpRequestAsync(request, deadline.Token).ConfigureAwait(false);
            response = await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            content = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Unreachable($"no answer within {_options.CallTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            throw Unreachable(Reason(ex));
        }
        using (response)
        {
            if (response.IsSuccessStatusCode) return content.Length == 0 ? null : Parse(content);
            throw ErrorFor(response.StatusCode, content, what, body is JsonObject o && o.Kind() == "Secret");
        }
    }

    private static JsonNode? Parse(byte[] content)
    {
        try
        {
            return JsonNode.Parse(content);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private UnreachableClusterException Unreachable(string reason) => new(Server, reason);

    private static string Reason(HttpRequestException ex)
    {
        var inner = ex.InnerException is { } i and not HttpRequestException ? i.Message : ex.Message;
        return inner.TrimEnd('.');
    }

    /// <summary>An API error as a typed error with the server's message (for Secrets, without it: it may quote data).</summary>
    private WildBackupException ErrorFor(HttpStatusCode status, byte[] content, string what, bool secret)
    {
        var doc = Parse(content);
        var message = secret ? null : doc.Str("message");
        var reason = doc.Str("reason") ?? status.ToString();
        var said = message is { Length: > 0 } ? $": {Trim(message)}" : $" ({reason})";
        return (int)status switch
        {
            401 => new UnreachableClusterException(Server, "it refused the credentials in the instance's kubeconfig (401 Unauthorized)", "ClusterUnauthorized"),
            403 => new UnreachableClusterException(Server, $"it does not allow this kubeconfig to access {what} (403 Forbidden)", "ClusterForbidden"),
            404 => new NotFoundException("ClusterObjectNotFound", $"{what} was not found on the cluster{said}") { Target = what },
            409 => new ConflictException(reason == "AlreadyExists" ? "ClusterObjectExists" : "ClusterConflict", $"The cluster refused to change {what}{said}") { Target = what },
            400 or 415 or 422 => new InvalidInputException("ClusterRejected", $"The cluster rejected {what}{said}") { Target = what },
            // The API server answered: an admission webhook that failed (crashed, timed out, unreachable) refuses the request
            // (apiserver admission/plugin/webhook: "failed calling webhook …"). That is the cluster's answer, not a lost cluster.
            500 when message is not null && message.Contains("failed calling webhook", StringComparison.Ordinal) =>
                new InvalidInputException("ClusterWebhookFailed", $"The cluster refused {what}: {Trim(message)}") { Target = what },
            _ => new UnreachableClusterException(Server, $"it answered {(int)status} for {what}{said}", "ClusterError"),
        };
    }

    private static string Trim(string message) => message.Length > 600 ? message[..600] + "…" : message;

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The cluster's API server cannot be reached (or refuses the credentials): "Cannot reach the cluster at … ".</summary>
public sealed class UnreachableClusterException(string server, string reason, string errorId = "ClusterUnreachable")
    : WildBackupException(WildErrorKind.Unreachable, errorId, $"Cannot reach the cluster at {server}: {reason}. Check that the cluster is running and that the instance's kubeconfig is current.")
{
    public string Server { get; } = server;
}
