using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Wild.Backup.Simulator.Cluster;

namespace Wild.Backup.Simulator.Tests.Support;

/// <summary>Plain HttpClient access (apply patches, raw selectors, headers), trusting only the cluster CA.</summary>
internal sealed class RawApi : IDisposable
{
    private readonly HttpClient http;

    public RawApi(SimulatedCluster cluster, bool authenticate = true, string? token = null)
    {
        var ca = X509Certificate2.CreateFromPem(cluster.CertificateAuthorityPem);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
        {
            if (cert is null) return false;
            if (errors == SslPolicyErrors.None) return true;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == 0 && chain.Build(new X509Certificate2(cert));
        };
        http = new HttpClient(handler) { BaseAddress = cluster.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
        if (authenticate) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? cluster.BearerToken);
    }

    public sealed record Response(HttpStatusCode Status, string Body, HttpResponseHeaders Headers, string? ContentType)
    {
        public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
    }

    public async Task<Response> SendAsync(HttpMethod method, string path, string? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Response(response.StatusCode, text, response.Headers, response.Content.Headers.ContentType?.MediaType);
    }

    public Task<Response> GetAsync(string path, string? accept = null) => SendAsync(HttpMethod.Get, path, accept: accept);

    public Task<Response> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body.ToJsonString());

    public Task<Response> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body.ToJsonString());

    public Task<Response> PatchAsync(string path, string body, string contentType) => SendAsync(HttpMethod.Patch, path, body, contentType);

    public Task<Response> DeleteAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body?.ToJsonString());

    /// <summary>Opens a watch stream; events are read line by line.</summary>
    public async Task<WatchStream> WatchAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new WatchStream(request, response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public void Dispose() => http.Dispose();

    public sealed class WatchStream : IDisposable
    {
        private readonly HttpRequestMessage request;
        private readonly StreamReader reader;

        public WatchStream(HttpRequestMessage request, HttpResponseMessage response, StreamReader reader)
        {
            this.request = request;
            Response = response;
            this.reader = reader;
        }

        public HttpResponseMessage Response { get; }

        /// <summary>The next event, or null at the end of the stream; fails after the timeout.</summary>
        public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
        {
            using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
            var line = await reader.ReadLineAsync(cts.Token);
            return line is null ? null : JsonNode.Parse(line)!.AsObject();
        }

        public void Dispose()
        {
            reader.Dispose();
            Response.Dispose();
            request.Dispose();
        }
    }
}
