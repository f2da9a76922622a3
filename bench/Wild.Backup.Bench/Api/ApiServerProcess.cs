using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Wild.Backup.Bench.Api;

/// <summary>wild-api started as its own process on a free loopback port: the API benchmarks measure it from outside.</summary>
internal sealed class ApiServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ApiServerProcess(Process process, Uri uri)
    {
        _process = process;
        Uri = uri;
    }

    public Uri Uri { get; }

    public static async Task<ApiServerProcess> StartAsync(string dataDir, string destination)
    {
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        var dll = Path.Combine(AppContext.BaseDirectory, "wild-api.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir, "--destination", destination }) psi.ArgumentList.Add(a);
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        var uri = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient();
        for (var i = 0; i < 300; i++)
        {
            try
            {
                (await http.GetAsync(new Uri(uri, "/api/v1/instances"))).EnsureSuccessStatusCode();
                _ = p.StandardOutput.ReadToEndAsync();
                return new ApiServerProcess(p, uri);
            }
            catch (HttpRequestException) when (!p.HasExited)
            {
                await Task.Delay(100);
            }
        }
        p.Kill(entireProcessTree: true);
        throw new InvalidOperationException("wild-api did not start");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

internal static class Percentiles
{
    public static double Of(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
}
