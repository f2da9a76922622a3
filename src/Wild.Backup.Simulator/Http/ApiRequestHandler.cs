using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Api;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Json;
using Wild.Backup.Simulator.Patching;
using Wild.Backup.Simulator.Security;

namespace Wild.Backup.Simulator.Http;

/// <summary>
/// Turns HTTP requests into pipeline calls: authentication, discovery, resource verbs, watch
/// streams, and errors as Status objects (or the plain "404 page not found" for unknown paths).
/// </summary>
internal sealed class ApiRequestHandler
{
    private const int MaxBodyBytes = 3 * 1024 * 1024;
    private readonly ClusterRuntime rt;
    private readonly ClusterPki? pki;
    private readonly byte[] token;
    private readonly ILogger log;
    private readonly CancellationToken shutdown;

    public ApiRequestHandler(ClusterRuntime rt, ClusterPki? pki, string bearerToken, CancellationToken shutdown)
    {
        this.rt = rt;
        this.pki = pki;
        token = Encoding.UTF8.GetBytes(bearerToken);
        this.shutdown = shutdown;
        log = rt.LoggerFactory.CreateLogger("Wild.Backup.Simulator.Http");
    }

    public Uri BaseUri { get; set; } = new("https://127.0.0.1/");

    public async Task HandleAsync(HttpContext ctx)
    {
        var info = new RequestInfo { UserAgent = ctx.Request.Headers.UserAgent.ToString() };
        try
        {
            if (!Authenticate(ctx)) throw Errors.Unauthorized();
            await DispatchAsync(ctx, info).ConfigureAwait(false);
        }
        catch (KubeApiException e)
        {
            await WriteErrorAsync(ctx, e).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(ctx, Errors.BadRequest($"the object provided is unrecognized: {e.Message}")).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested || shutdown.IsCancellationRequested)
        {
            // Client went away or the cluster is stopping.
        }
        catch (Exception e)
        {
            log.LogError(e, "{Method} {Path} failed", ctx.Request.Method, ctx.Request.Path);
            await WriteErrorAsync(ctx, Errors.Internal(e.Message)).ConfigureAwait(false);
        }
        finally
        {
            if (rt.Options.LogRequests)
            {
                log.LogInformation("{Method} {Path}{Query} -> {Status}", ctx.Request.Method, ctx.Request.Path, ctx.Request.QueryString, ctx.Response.StatusCode);
            }
        }
    }

    private bool Authenticate(HttpContext ctx)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var presented = Encoding.UTF8.GetBytes(auth[7..].Trim());
            if (CryptographicOperations.FixedTimeEquals(presented, token)) return true;
        }
        var cert = ctx.Connection.ClientCertificate;
        return cert is not null && pki is not null && pki.IsTrustedClient(cert);
    }

    private async Task DispatchAsync(HttpContext ctx, RequestInfo info)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var method = ctx.Request.Method;
        switch (path.TrimEnd('/'))
        {
            case "/version":
                await WriteJsonAsync(ctx, 200, Discovery.Version(rt.Options), info).ConfigureAwait(false);
                return;
            case "/healthz" or "/livez" or "/readyz":
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync("ok", ctx.RequestAborted).ConfigureAwait(false);
                return;
            case "/api":
                await WriteJsonAsync(ctx, 200, Discovery.CoreVersions(BaseUri), info).ConfigureAwait(false);
                return;
            case "/apis":
                await WriteJsonAsync(ctx, 200, Discovery.GroupList(rt.Registry), info).ConfigureAwait(false);
                return;
            case "/openapi/v2":
                await WriteJsonAsync(ctx, 200, OpenApi.SwaggerV2(rt.Options.KubernetesVersion), info).ConfigureAwait(false);
                return;
            case "/openapi/v3":
                await WriteJsonAsync(ctx, 200, OpenApi.Root(rt.Registry, rt.Options.KubernetesVersion), info).ConfigureAwait(false);
                return;
        }
        if (path.StartsWith("/openapi/v3/", StringComparison.Ordinal))
        {
            var doc = OpenApi.GroupVersionDocument(rt.Registry, path["/openapi/v3/".Length..].TrimEnd('/'), rt.Options.KubernetesVersion) ?? throw Errors.UnknownPath();
            await WriteJsonAsync(ctx, 200, doc, info).ConfigureAwait(false);
            return;
        }
        var segments = path.Trim('/').Split('/');
        if (method == "GET" && segments.Length == 2 && segments[0] == "api")
        {
            await WriteJsonAsync(ctx, 200, Discovery.ResourceList(rt.Registry, "", segments[1]) ?? throw Errors.UnknownPath(), info).ConfigureAwait(false);
            return;
        }
        if (method == "GET" && segments.Length == 2 && segments[0] == "apis")
        {
            await WriteJsonAsync(ctx, 200, Discovery.GroupDocument(rt.Registry, segments[1]) ?? throw Errors.UnknownPath(), info).ConfigureAwait(false);
            return;
        }
        if (method == "GET" && segments.Length == 3 && segments[0] == "apis")
        {
            await WriteJsonAsync(ctx, 200, Discovery.ResourceList(rt.Registry, segments[1], segments[2]) ?? throw Errors.UnknownPath(), info).ConfigureAwait(false);
            return;
        }
        var apiPath = ApiPath.Parse(path) ?? throw Errors.UnknownPath();
        await HandleResourceAsync(ctx, apiPath, info).ConfigureAwait(false);
    }

    private async Task HandleResourceAsync(HttpContext ctx, ApiPath p, RequestInfo info)
    {
        var api = rt.Api;
        var type = api.Resolve(p.Gvr);
        if (p.Namespace is not null && !type.Namespaced) throw Errors.UnknownPath();
        var q = ctx.Request.Query;
        var ns = p.Namespace;
        var method = ctx.Request.Method;
        var watch = p.LegacyWatch || QueryOptions.IsWatch(q);
        var wantsTable = TableConverter.Wanted(ctx.Request.Headers.Accept.ToString());

        if (p.Name is null)
        {
            switch (method)
            {
                case "GET" when watch:
                    await WatchAsync(ctx, p, QueryOptions.List(q)).ConfigureAwait(false);
                    return;
                case "GET":
                    {
                        var list = await api.ListAsync(p.Gvr, ns, QueryOptions.List(q), ctx.RequestAborted, stripItemKinds: true).ConfigureAwait(false);
                        await WriteJsonAsync(ctx, 200, wantsTable ? TableConverter.Convert(list, type.Kind, rt.Now) : list, info).ConfigureAwait(false);
                        return;
                    }
                case "POST":
                    if (type.Namespaced && ns is null) throw Errors.MethodNotSupported(type.Group, type.Plural, "create");
                    {
                        var created = api.Create(p.Gvr, ns, await ReadObjectAsync(ctx).ConfigureAwait(false), QueryOptions.Write(q), info);
                        await WriteJsonAsync(ctx, info.StatusCode ?? 201, created, info).ConfigureAwait(false);
                        return;
                    }
                case "DELETE":
                    {
                        var deleteOptions = await ReadDeleteOptionsAsync(ctx).ConfigureAwait(false);
                        var result = api.DeleteCollection(p.Gvr, ns, QueryOptions.List(q), deleteOptions, info);
                        await WriteJsonAsync(ctx, 200, result, info).ConfigureAwait(false);
                        return;
                    }
                default:
                    throw Errors.MethodNotSupported(type.Group, type.Plural, method.ToLowerInvariant());
            }
        }

        if (watch && method == "GET")
        {
            var options = QueryOptions.List(q);
            var byName = string.IsNullOrEmpty(options.FieldSelector) ? $"metadata.name={p.Name}" : $"{options.FieldSelector},metadata.name={p.Name}";
            await WatchAsync(ctx, p with { Name = null }, new ListOptions
            {
                LabelSelector = options.LabelSelector, FieldSelector = byName, ResourceVersion = options.ResourceVersion,
                TimeoutSeconds = options.TimeoutSeconds, AllowWatchBookmarks = options.AllowWatchBookmarks,
            }).ConfigureAwait(false);
            return;
        }

        switch (method)
        {
            case "GET":
                {
                    var obj = p.Subresource is null ? api.Get(p.Gvr, ns, p.Name) : api.GetSubresource(p.Gvr, ns, p.Name, p.Subresource);
                    await WriteJsonAsync(ctx, 200, wantsTable && p.Subresource is null ? TableConverter.Convert(obj, type.Kind, rt.Now) : obj, info).ConfigureAwait(false);
                    return;
                }
            case "PUT":
                {
                    var result = api.Replace(p.Gvr, ns, p.Name, await ReadObjectAsync(ctx).ConfigureAwait(false), p.Subresource, QueryOptions.Write(q), info);
                    await WriteJsonAsync(ctx, info.StatusCode ?? 200, result, info).ConfigureAwait(false);
                    return;
                }
            case "PATCH":
                {
                    var contentType = (ctx.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
                    var patchType = contentType switch
                    {
                        "application/json-patch+json" => PatchType.Json,
                        "application/merge-patch+json" => PatchType.Merge,
                        "application/strategic-merge-patch+json" => PatchType.StrategicMerge,
                        "application/apply-patch+yaml" => PatchType.Apply,
                        _ => throw Errors.UnsupportedMediaType(type.SupportsStrategicMerge ? ClusterApi.PatchMediaTypes : ClusterApi.PatchMediaTypes.Take(3)),
                    };
                    var body = await ReadBodyAsync(ctx).ConfigureAwait(false);
                    var result = api.Patch(p.Gvr, ns, p.Name, patchType, body, p.Subresource, QueryOptions.Write(q), info);
                    await WriteJsonAsync(ctx, info.StatusCode ?? 200, result, info).ConfigureAwait(false);
                    return;
                }
            case "DELETE":
                {
                    if (p.Subresource is not null) throw Errors.UnknownPath();
                    var deleteOptions = await ReadDeleteOptionsAsync(ctx).ConfigureAwait(false);
                    var result = api.Delete(p.Gvr, ns, p.Name, deleteOptions, info);
                    await WriteJsonAsync(ctx, info.StatusCode ?? 200, result, info).ConfigureAwait(false);
                    return;
                }
            case "POST" when p.Subresource is not null:
                {
                    var result = api.PostSubresource(p.Gvr, ns, p.Name, p.Subresource, await ReadObjectAsync(ctx).ConfigureAwait(false), QueryOptions.Write(q), info);
                    await WriteJsonAsync(ctx, info.StatusCode ?? 201, result, info).ConfigureAwait(false);
                    return;
                }
            default:
                throw Errors.MethodNotSupported(type.Group, type.Plural, method.ToLowerInvariant());
        }
    }

    private async Task WatchAsync(HttpContext ctx, ApiPath p, ListOptions options)
    {
        using var session = rt.Api.StartWatch(p.Gvr, p.Namespace, options);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, shutdown);
        try
        {
            await foreach (var e in session.ReadAllAsync(linked.Token).ConfigureAwait(false))
            {
                var line = e.ToJson().ToUtf8();
                await ctx.Response.Body.WriteAsync(line, linked.Token).ConfigureAwait(false);
                await ctx.Response.Body.WriteAsync("\n"u8.ToArray(), linked.Token).ConfigureAwait(false);
                await ctx.Response.Body.FlushAsync(linked.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Client disconnected or the cluster is stopping: end the stream.
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted).ConfigureAwait(false)) > 0)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > MaxBodyBytes) throw new KubeApiException(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext ctx)
    {
        var text = await ReadBodyAsync(ctx).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text)) throw Errors.BadRequest("the body of the request is empty");
        var contentType = (ctx.Request.ContentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();
        JsonNode? node = contentType switch
        {
            "application/yaml" => YamlJson.Parse(text),
            "application/json" or "" => JsonNode.Parse(text),
            _ => throw Errors.UnsupportedMediaType(["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]),
        };
        return node as JsonObject ?? throw Errors.BadRequest("the object provided is unrecognized: expected a JSON object");
    }

    private static async Task<DeleteOptions> ReadDeleteOptionsAsync(HttpContext ctx)
    {
        var fromQuery = QueryOptions.Delete(ctx.Request.Query);
        var text = await ReadBodyAsync(ctx).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text)) return fromQuery;
        var body = JsonNode.Parse(text) as JsonObject ?? new JsonObject();
        var dryRun = body.Arr("dryRun")?.Select(JsonTools.Display).ToList() ?? [];
        if (dryRun.Any(v => v != "All")) throw Errors.BadRequest($"Invalid dry run value: \"{dryRun.First(v => v != "All")}\": supported values: \"All\"");
        return new DeleteOptions
        {
            PropagationPolicy = body.Str("propagationPolicy") ?? fromQuery.PropagationPolicy,
            GracePeriodSeconds = body.Long("gracePeriodSeconds") ?? fromQuery.GracePeriodSeconds,
            PreconditionUid = body.Str("preconditions", "uid"),
            PreconditionResourceVersion = body.Str("preconditions", "resourceVersion"),
            DryRun = fromQuery.DryRun || dryRun.Count > 0,
            OrphanDependents = body.Bool("orphanDependents") ?? fromQuery.OrphanDependents,
        };
    }

    private static async Task WriteJsonAsync(HttpContext ctx, int status, JsonObject body, RequestInfo info)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        foreach (var w in info.Warnings.Distinct())
        {
            ctx.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\"", "\\\"")}\"");
        }
        var pretty = ctx.Request.Query.TryGetValue("pretty", out var pv) && pv.ToString() is "true" or "1" or "";
        var bytes = pretty && ctx.Request.Query.ContainsKey("pretty")
            ? JsonSerializer.SerializeToUtf8Bytes(body, new JsonSerializerOptions(JsonTools.Options) { WriteIndented = true })
            : body.ToUtf8();
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteErrorAsync(HttpContext ctx, KubeApiException e)
    {
        if (ctx.Response.HasStarted) return;
        ctx.Response.StatusCode = e.Code;
        foreach (var (k, v) in e.Headers) ctx.Response.Headers[k] = v;
        if (e.IsUnknownPath)
        {
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync("404 page not found\n", ctx.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (e.Code == 504 && e.Details?.Long("retryAfterSeconds") is { } retry) ctx.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(e.ToStatus().ToUtf8(), ctx.RequestAborted).ConfigureAwait(false);
    }
}
