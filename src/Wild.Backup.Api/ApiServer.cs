using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Wild.Backup.Core;
using Wild.Backup.Core.Instances;
using Wild.Backup.Core.Operations;

namespace Wild.Backup.Api;

/// <summary>
/// The HTTP API host: Kestrel, the operation manager and catalog, and the routes (<see cref="Routes"/>). Tests and the
/// <c>wild-api</c> program both start it through <see cref="StartAsync"/>.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app, OperationManager manager, Uri baseAddress)
    {
        _app = app;
        Operations = manager;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }
    public OperationManager Operations { get; }

    public static async Task<ApiServer> StartAsync(ApiOptions options, Action<ILoggingBuilder>? logging = null, CancellationToken ct = default)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxBodyBytes);
        builder.Logging.ClearProviders();
        if (logging is not null) logging(builder.Logging);
        else builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning); // our one line per request is enough

        var directory = InstanceDirectory.Resolve(options.DataDir);
        var hub = new OperationEventHub();
        var manager = new OperationManager(directory, hub, new OperationManagerOptions { StepTimeout = options.StepTimeout });
        var engine = new WildBackupEngine();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(manager);
        builder.Services.AddSingleton(new OperationCatalog(manager, engine, options.Destination));
        builder.Services.AddSingleton(engine);

        var app = builder.Build();
        app.Use(ApiErrors.Middleware);
        app.Use(RequestLog);
        if (!string.IsNullOrEmpty(options.Token)) app.Use(BearerToken(options.Token));
        Routes.Map(app);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiServer(app, manager, new Uri(address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")));
    }

    /// <summary>Method, path, status and time — never bodies, query values or the Authorization header.</summary>
    private static async Task RequestLog(HttpContext context, RequestDelegate next)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            context.RequestServices.GetRequiredService<ILogger<ApiServer>>().LogInformation("{Method} {Path} {Status} {Ms:0.0} ms",
                context.Request.Method, context.Request.Path.Value, context.Response.StatusCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static Func<HttpContext, RequestDelegate, Task> BearerToken(string token)
    {
        var expected = Encoding.UTF8.GetBytes(token);
        return async (context, next) =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(header[7..].Trim()) : [];
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await ApiErrors.Error(StatusCodes.Status401Unauthorized, "Unauthorized", "A valid bearer token is required.").ExecuteAsync(context);
                return;
            }
            await next(context);
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(10));
        await Operations.DisposeAsync();
        await _app.DisposeAsync();
    }
}
