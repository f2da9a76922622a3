using Wild.Backup.Api;

// wild-api [--urls URL] [--data-dir DIR] [--destination DEST] [--token TOKEN] [--step-timeout SECONDS]
// Defaults: http://127.0.0.1:5056 (5055 is the Wild Cloud daemon's), the data dir of -DataDir's rules ($WILD_DATA_DIR,
// $WILD_API_DATA_DIR, /var/lib/wild-central, /var/lib/wild-cloud-central), token from $WILD_API_TOKEN.
var options = new ApiOptions { Token = Environment.GetEnvironmentVariable(ApiOptions.TokenVariable) };
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    options = args[i] switch
    {
        "--urls" => options with { Urls = Next() },
        "--data-dir" => options with { DataDir = Path.GetFullPath(Next()) },
        "--destination" => options with { Destination = Next() },
        "--token" => options with { Token = Next() },
        "--step-timeout" => options with { StepTimeout = TimeSpan.FromSeconds(int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture)) },
        "-h" or "--help" => throw new ArgumentException("usage"),
        _ => throw new ArgumentException($"unknown option {args[i]}"),
    };
}
try
{
    await using var server = await ApiServer.StartAsync(options);
    Console.WriteLine($"wild-api listening on {server.BaseAddress} (Ctrl-C to stop)");
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
    await stop.Task;
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"wild-api: {ex.Message}");
    Console.Error.WriteLine("usage: wild-api [--urls URL] [--data-dir DIR] [--destination DEST] [--token TOKEN] [--step-timeout SECONDS]");
    return 2;
}
