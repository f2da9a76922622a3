using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Wild.Backup.Testing;

namespace Wild.Backup.Api.Tests;

/// <summary>A sample instance and the real API server on a free loopback port, with a real HttpClient.</summary>
public sealed class ApiWorld : IAsyncDisposable
{
    private ApiWorld(SampleWorld world, ApiServer server, HttpClient http, ApiOptions options, LogCapture log)
    {
        World = world;
        Server = server;
        Http = http;
        Options = options;
        Log = log;
    }

    public SampleWorld World { get; }
    public ApiServer Server { get; private set; }
    public HttpClient Http { get; }
    public ApiOptions Options { get; }
    public LogCapture Log { get; }

    public static async Task<ApiWorld> StartAsync(Func<ApiOptions, ApiOptions>? configure = null, SampleWorld? world = null)
    {
        world ??= new SampleWorld();
        var options = new ApiOptions { Urls = "http://127.0.0.1:0", DataDir = world.DataDir, Destination = world.Destination, Heartbeat = TimeSpan.FromMilliseconds(300) };
        if (configure is not null) options = configure(options);
        var log = new LogCapture();
        var server = await ApiServer.StartAsync(options, b => b.AddProvider(log));
        var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (options.Token is { } token) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ApiWorld(world, server, http, options, log);
    }

    /// <summary>Stops the server and starts a new one on the same data (a restart).</summary>
    public async Task RestartAsync()
    {
        await Server.DisposeAsync();
        Server = await ApiServer.StartAsync(Options with { Urls = $"http://127.0.0.1:{Server.BaseAddress.Port}" }, b => b.AddProvider(Log));
    }

    public const string I = "/api/v1/instances/demo-cloud";

    public async Task<string> StartAsync(string path, object? body = null)
    {
        using var response = body is null ? await Http.PostAsync(path, null) : await Http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 202) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!["operation_id"]!.GetValue<string>();
    }

    /// <summary>Makes gitea's backup take a while (a large file to archive), so it can be caught running.</summary>
    public void MakeSlow(int mib = 300)
    {
        var rng = new Random(5);
        var chunk = new byte[1 << 20];
        using var fs = File.Create(Path.Combine(World.InstancePath, "apps", "gitea", "config", "blob.bin"));
        for (var i = 0; i < mib; i++) { rng.NextBytes(chunk); fs.Write(chunk); }
    }

    public async Task<JsonNode> OperationAsync(string id) => JsonNode.Parse(await Http.GetStringAsync($"{I}/operations/{id}"))!;

    /// <summary>Polls an operation until it is finished (bounded).</summary>
    public async Task<JsonNode> FinishedAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var op = await OperationAsync(id);
            if (op["status"]!.GetValue<string>() is "completed" or "failed" or "cancelled") return op;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"operation {id} did not finish: {op.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? json = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, contentType);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        World.Dispose();
    }
}

/// <summary>Everything the server logs, to check what it writes (and that it writes no secret).</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly List<string> _lines = [];
    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }
    public ILogger CreateLogger(string categoryName) => new Logger(this);
    public void Dispose() { }

    private sealed class Logger(LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines) owner._lines.Add(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}

/// <summary>A minimal, real SSE client over HttpClient: reads id/event/data records and comments.</summary>
public sealed class SseReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public string ContentType => _response.Content.Headers.ContentType?.MediaType ?? "";
    public int Comments { get; private set; }

    public static async Task<SseReader> OpenAsync(HttpClient http, string path, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is { } id) request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        return new SseReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public sealed record Event(long Id, string Type, JsonNode Data);

    /// <summary>The next event; null when the server closed the stream. Fails after <paramref name="timeout"/>.</summary>
    public async Task<Event?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        long id = 0;
        string? type = null;
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            if (line is null) return null;
            if (line.Length == 0)
            {
                if (data.Length > 0) return new Event(id, type ?? "message", JsonNode.Parse(data.ToString())!);
                id = 0;
                continue;
            }
            if (line[0] == ':') { Comments++; continue; }
            var colon = line.IndexOf(':');
            var (field, value) = colon < 0 ? (line, "") : (line[..colon], line[(colon + 1)..].TrimStart(' '));
            switch (field)
            {
                case "id": id = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "event": type = value; break;
                case "data": data.Append(value); break;
            }
        }
    }

    /// <summary>Reads until the stream ends (or an event matches <paramref name="until"/>).</summary>
    public async Task<List<Event>> ReadAllAsync(Func<Event, bool>? until = null, TimeSpan? timeout = null)
    {
        var list = new List<Event>();
        while (await NextAsync(timeout) is { } e)
        {
            list.Add(e);
            if (until?.Invoke(e) == true) break;
        }
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        await Task.CompletedTask;
    }
}
