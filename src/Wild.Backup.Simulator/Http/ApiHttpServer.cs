using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wild.Backup.Simulator.Cluster;
using Wild.Backup.Simulator.Security;

namespace Wild.Backup.Simulator.Http;

/// <summary>Kestrel on 127.0.0.1 (HTTPS with the cluster's server certificate, client certificates requested).</summary>
internal sealed class ApiHttpServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ApiRequestHandler handler;

    private ApiHttpServer(WebApplication app, ApiRequestHandler handler)
    {
        this.app = app;
        this.handler = handler;
    }

    public Uri BaseUri => handler.BaseUri;

    public static async Task<ApiHttpServer> StartAsync(ClusterRuntime rt, ClusterPki? pki, string bearerToken, CancellationToken shutdown,
        CancellationToken cancellationToken)
    {
        var options = rt.Options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "wild-simulator",
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
            k.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (pki is not null)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = pki.Server,
                        ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                        // Checked per request (401 instead of a failed handshake), as the apiserver does.
                        ClientCertificateValidation = (_, _, _) => true,
                    });
                }
            });
        });
        var app = builder.Build();
        var handler = new ApiRequestHandler(rt, pki, bearerToken, shutdown);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)).Port;
        handler.BaseUri = new Uri($"{(pki is null ? "http" : "https")}://127.0.0.1:{port}/");
        return new ApiHttpServer(app, handler);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
