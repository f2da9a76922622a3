using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Wild.Backup.Core.Backups;
using Wild.Backup.Core.Errors;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;
using Wild.Backup.Core.Progress;

namespace Wild.Backup.Client;

/// <summary>
/// The engine behind a WildBackup server (<c>wild-api</c>): JSON requests, and the operation's server-sent events read
/// back into the same updates a local run produces. Server errors come back as the same typed exceptions (kind from
/// the HTTP status, ErrorId from the error code); a stream that drops is resumed with <c>Last-Event-ID</c>.
/// </summary>
public sealed class RemoteWildService : IWildService
{
    private readonly HttpClient _http;

    public RemoteWildService(Uri server, string? token, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = server;
        _http.Timeout = Timeout.InfiniteTimeSpan; // per call deadlines below; event streams are long
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Where = server.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>Deadline of an ordinary (non-streaming) request.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    public string Where { get; }

    private static string I(string instance) => "/api/v1/instances/" + Uri.EscapeDataString(instance);

    public async Task<string> ResolveInstanceAsync(string? instance, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(instance)) return WildName.Validate(instance, "instance");
        var all = await GetInstancesAsync(ct).ConfigureAwait(false);
        return all.Count switch
        {
            1 => all[0].Name,
            0 => throw new NotFoundException("NoInstance", $"The server at {Where} has no instances."),
            _ => throw new InvalidInputException("InstanceAmbiguous", $"The server at {Where} has several instances ({string.Join(", ", all.Select(i => i.Name))}). Choose one with -Instance."),
        };
    }

    public Task<string> DescribeDestinationAsync(string instance, CancellationToken ct) => Task.FromResult($"the backup storage of {Where}");

    public async Task<IReadOnlyList<WildInstance>> GetInstancesAsync(CancellationToken ct) =>
        await GetAsync<List<WildInstance>>("/api/v1/instances", ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<WildApp>> GetAppsAsync(string instance, CancellationToken ct) =>
        await GetAsync<List<WildApp>>($"{I(instance)}/apps", ct).ConfigureAwait(false);

    public async Task<IReadOnlyList<BackupInfo>> GetBackupsAsync(string instance, string? fromInstance, CancellationToken ct) =>
        await GetAsync<List<BackupInfo>>($"{I(instance)}/backups" + (fromInstance is null ? "" : "?fromInstance=" + Uri.EscapeDataString(fromInstance)), ct).ConfigureAwait(false);

    public async Task<Core.Restores.AppRestoreStatus> GetRestoreStatusAsync(string instance, string app, CancellationToken ct) =>
        await GetAsync<Core.Restores.AppRestoreStatus>($"{I(instance)}/apps/{Uri.EscapeDataString(WildName.Validate(app, "app"))}/restore/status", ct).ConfigureAwait(false);
    public async Task<Core.Storage.DestinationCheckResult> CheckDestinationAsync(string instance, CancellationToken ct) =>
        await GetAsync<Core.Storage.DestinationCheckResult>($"{I(instance)}/destination", ct).ConfigureAwait(false);

    public async Task<OperationRecord> StartAsync(OperationRequest request, CancellationToken ct)
    {
        var timeout = request.StepTimeout is { } t ? (int?)Math.Max(1, (int)t.TotalSeconds) : null;
        var (path, body) = request switch
        {
            BackupAppsRequest { Apps: [var one] } r => ($"{I(r.Instance)}/apps/{Uri.EscapeDataString(one)}/backup", (object)new { timeoutSeconds = timeout, exportImages = r.ExportImages }),
            BackupAppsRequest r => ($"{I(r.Instance)}/apps/backup", new { apps = r.Apps, timeoutSeconds = timeout, exportImages = r.ExportImages }),
            ExportVolumeRequest r => ($"{I(r.Instance)}/apps/{Uri.EscapeDataString(r.Export.App)}/volumes/export", new
            {
                claim = r.Export.Claim,
                path = r.Export.Path,
                format = r.Export.Format == Core.Images.ImageFormat.Raw ? "raw" : "qcow2",
                fromInstance = r.Export.FromInstance,
                backupTarget = r.Export.BackupTarget,
                replace = r.Export.Replace,
                timeoutSeconds = timeout,
            }),
            BackupAllRequest r => ($"{I(r.Instance)}/backup", new { timeoutSeconds = timeout }),
            BackupClusterRequest r => ($"{I(r.Instance)}/cluster/backup", new { timeoutSeconds = timeout }),
            RestoreClusterRequest r => ($"{I(r.Instance)}/cluster/restore", new { fromInstance = r.FromInstance, timeoutSeconds = timeout }),
            TestBackupsRequest r => ($"{I(r.Instance)}/backups/test", new { apps = r.Apps, cluster = r.Cluster, fromInstance = r.FromInstance, timeoutSeconds = timeout }),
            RestoreAppRequest r => ($"{I(r.Instance)}/apps/{Uri.EscapeDataString(r.App)}/restore", new { fromInstance = r.FromInstance, strategy = r.Strategy, timeoutSeconds = timeout }),
            SwitchRestoreRequest r => ($"{I(r.Instance)}/apps/{Uri.EscapeDataString(r.App)}/restore/switch", new { timeoutSeconds = timeout }),
            CleanupRestoreRequest r => ($"{I(r.Instance)}/apps/{Uri.EscapeDataString(r.App)}/restore/cleanup", (object)new { discardRestore = r.DiscardRestore, timeoutSeconds = timeout }),
            _ => throw new ArgumentException($"unknown request {request.GetType().Name}", nameof(request)),
        };
        var accepted = await SendAsync<JsonObject>(HttpMethod.Post, path, body, ct).ConfigureAwait(false);
        var id = accepted["operation_id"]?.GetValue<string>() ?? throw new InvalidOperationException("the server did not return an operation id");
        return await GetOperationAsync(request.Instance, id, ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<OperationUpdate> WatchAsync(string instance, string operationId, [EnumeratorCancellation] CancellationToken ct)
    {
        // "Resume after 0": the operation's whole kept history, so even a run that finished before we connected renders
        // its progress as a local run does. (Past the server's memory, the stream starts from the current state.)
        long? lastId = 0;
        var failures = 0;
        while (true)
        {
            HttpResponseMessage? response = null;
            var ended = false;
            try
            {
                var request = new HttpRequestMessage(HttpMethod.Get, $"{I(instance)}/operations/{Uri.EscapeDataString(OperationIds.Validate(operationId))}/events");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                if (lastId is { } last) request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
                response = await Connect(() => _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct)).ConfigureAwait(false);
                await ThrowIfErrorAsync(response, ct).ConfigureAwait(false);
            }
            catch (WildBackupException ex) when (ex.ErrorId == "ServerUnreachable" && ++failures < 6)
            {
                response?.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(500 * failures), ct).ConfigureAwait(false);
                continue;
            }
            using (response)
            {
                await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await foreach (var update in ReadEventsAsync(stream, ct).ConfigureAwait(false))
                {
                    if (update.Id > 0) lastId = update.Id;
                    failures = 0;
                    yield return update;
                    if (update.IsTerminal)
                    {
                        ended = true;
                        break;
                    }
                }
            }
            if (ended) yield break;
            // The stream ended without a terminal event (server restarted, connection cut): resume where we were.
            if (++failures >= 6) throw new WildBackupException(WildErrorKind.Unreachable, "ServerUnreachable", $"Lost the event stream of operation {operationId} on {Where}.");
            await Task.Delay(TimeSpan.FromMilliseconds(500 * failures), ct).ConfigureAwait(false);
        }
    }

    private static async IAsyncEnumerable<OperationUpdate> ReadEventsAsync(Stream stream, [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        long id = 0;
        string? type = null;
        var data = new StringBuilder();
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
            }
            catch (IOException)
            {
                yield break; // cut off: the caller resumes
            }
            if (line is null) yield break;
            if (line.Length == 0)
            {
                if (data.Length > 0 && type is not null) yield return Parse(id, type, data.ToString());
                id = 0;
                type = null;
                data.Clear();
                continue;
            }
            if (line[0] == ':') continue; // heartbeat
            var colon = line.IndexOf(':');
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            if (field == "id") id = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            else if (field == "event") type = value;
            else if (field == "data") data.Append(value);
        }
    }

    private static OperationUpdate Parse(long id, string type, string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        var detail = node["detail"]?.Deserialize<OperationEvent>(OperationRecord.Json);
        var output = node["output"]?.DeepClone();
        node.Remove("detail");
        node.Remove("output");
        var record = node.Deserialize<OperationRecord>(OperationRecord.Json)!;
        return new OperationUpdate(id, type, record, detail, output);
    }

    public async Task<OperationRecord> GetOperationAsync(string instance, string operationId, CancellationToken ct) =>
        (await GetAsync<OperationRecord>($"{I(instance)}/operations/{Uri.EscapeDataString(OperationIds.Validate(operationId))}", ct, OperationRecord.Json).ConfigureAwait(false));

    public async Task<IReadOnlyList<OperationRecord>> GetOperationsAsync(string instance, CancellationToken ct) =>
        await GetAsync<List<OperationRecord>>($"{I(instance)}/operations", ct, OperationRecord.Json).ConfigureAwait(false);

    public async Task CancelAsync(string instance, string operationId, CancellationToken ct) =>
        await SendAsync<JsonObject>(HttpMethod.Delete, $"{I(instance)}/operations/{Uri.EscapeDataString(OperationIds.Validate(operationId))}", null, ct).ConfigureAwait(false);

    private async Task<T> GetAsync<T>(string path, CancellationToken ct, JsonSerializerOptions? json = null) =>
        await SendAsync<T>(HttpMethod.Get, path, null, ct, json).ConfigureAwait(false);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct, JsonSerializerOptions? json = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(CallTimeout);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: new JsonSerializerOptions(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
        try
        {
            using var response = await Connect(() => _http.SendAsync(request, deadline.Token)).ConfigureAwait(false);
            await ThrowIfErrorAsync(response, deadline.Token).ConfigureAwait(false);
            return (await response.Content.ReadFromJsonAsync<T>(json ?? OperationResults.Json, deadline.Token).ConfigureAwait(false))!;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new WildTimeoutException("ServerTimeout", $"The server at {Where} did not answer within {CallTimeout.TotalSeconds:0} s.");
        }
    }

    private async Task<HttpResponseMessage> Connect(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new WildBackupException(WildErrorKind.Unreachable, "ServerUnreachable", $"Cannot reach the WildBackup server at {Where}. Is wild-api running?", ex.Message, ex);
        }
    }

    /// <summary>The one place HTTP answers become typed errors (the inverse of the server's ApiErrors).</summary>
    private async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        string code = "HttpError", message = $"The server at {Where} answered {(int)response.StatusCode}.";
        try
        {
            // {"error": "<text>", "code"} (API 2); {"error": {"code", "message"}} from a 1.x server.
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(ct).ConfigureAwait(false);
            switch (body?["error"])
            {
                case JsonValue text when text.TryGetValue<string>(out var t):
                    message = t;
                    code = body["code"] is JsonValue c && c.TryGetValue<string>(out var id) ? id : code;
                    break;
                case JsonObject old:
                    code = old["code"]?.GetValue<string>() ?? code;
                    message = old["message"]?.GetValue<string>() ?? message;
                    break;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NotSupportedException)
        {
            // Not our JSON (a proxy's error page): the status and the generic message stand.
        }
        var kind = response.StatusCode switch
        {
            HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.RequestEntityTooLarge => WildErrorKind.Invalid,
            HttpStatusCode.NotFound => WildErrorKind.NotFound,
            HttpStatusCode.Conflict => WildErrorKind.Conflict,
            HttpStatusCode.ServiceUnavailable => WildErrorKind.Unreachable,
            HttpStatusCode.InsufficientStorage => WildErrorKind.NoSpace,
            HttpStatusCode.UnprocessableEntity => WildErrorKind.Corrupt,
            HttpStatusCode.GatewayTimeout => WildErrorKind.Timeout,
            _ => WildErrorKind.Unreachable,
        };
        if (response.StatusCode == HttpStatusCode.Unauthorized) message += " Give the server's token with Connect-WildServer -Token.";
        throw kind == WildErrorKind.NoSpace && System.Text.RegularExpressions.Regex.Match(message, @"need (\d+(\.\d+)?) GB") is { Success: true } m
            ? new NoSpaceException((long)(double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * 1e9))
            : kind == WildErrorKind.Unreachable && code == "StorageUnreachable" ? new StorageUnreachableException()
            : new WildBackupException(kind, code, message);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
